/** The bench table: one row per figure, with its target and verdict when it has one. */
/** One line of the table. `target` and `pass` only for rows that have a target. */
export interface BenchRow {
  name: string;
  value: number | string;
  unit: string;
  target?: string;
  pass?: boolean;
}

/** Renders rows as a fixed-width text table. */
export function formatBenchTable(rows: readonly BenchRow[]): string {
  const header = ['name', 'value', 'unit', 'target', 'result'];
  const lines = rows.map((r) => [r.name, String(r.value), r.unit, r.target ?? '', r.pass === undefined ? '' : r.pass ? 'pass' : 'FAIL']);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const fmt = (cells: string[]) =>
    cells
      .map((c, i) => (i === 1 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [fmt(header), widths.map((w) => '-'.repeat(w)).join('  '), ...lines.map(fmt)].join('\n');
}
