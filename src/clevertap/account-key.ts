/**
 * The key of one CleverTap account in the `accounts` table and in logs: `${region}:${accountId}`
 * (a sandbox account is its own account). Shared by settings, delivery and stats.
 */
export function accountKeyOf(region: string, accountId: string): string {
  return `${region}:${accountId}`;
}
