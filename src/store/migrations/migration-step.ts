/** One numbered, forward-only schema change of a dialect. */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}
