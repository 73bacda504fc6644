/** Helpers of the metrics suite: reading a Prometheus scrape and the metric names in PromQL. */

/** The value of one series in a scrape, e.g. `pcbridge_outbox_records{state="held"}`; 0 when absent. */
export function sampleValue(scrape: string, series: string): number {
  for (const line of scrape.split('\n')) {
    if (line.startsWith(`${series} `)) return Number(line.slice(series.length + 1).split(' ')[0]);
  }
  return 0;
}

/** Names that have at least one sample line in a scrape (`name{…} v` or `name v`). */
export function sampledNames(scrape: string): Set<string> {
  const names = new Set<string>();
  for (const line of scrape.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{| )/.exec(line);
    if (match) names.add(match[1]!);
  }
  return names;
}

/** PromQL words that are not metric names: aggregations' modifiers, binary operators, keywords. */
const PROMQL_KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'and', 'or', 'unless', 'offset', 'bool', 'inf', 'nan']);

/**
 * The metric names a PromQL expression reads: identifiers outside strings, label matchers,
 * `by (…)` lists, ranges and Grafana variables, that are not functions or keywords.
 */
export function metricNamesIn(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""') // strings (label values)
    .replace(/\{[^}]*\}/g, ' ') // label matchers
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ') // label lists
    .replace(/\[[^\]]*\]/g, ' ') // ranges and subqueries
    .replace(/\$\{?[A-Za-z_][A-Za-z0-9_]*\}?/g, ' ') // Grafana variables ($__rate_interval)
    .replace(/(^|[^A-Za-z0-9_:])\d[\w.]*/g, '$1 '); // numbers and durations (offset 10m)
  const names = new Set<string>();
  for (const match of stripped.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)(\s*\()?/g)) {
    const [, word, call] = match;
    if (call) continue; // a function or aggregation
    if (PROMQL_KEYWORDS.has(word!.toLowerCase())) continue;
    if (/^\d/.test(word!)) continue;
    names.add(word!);
  }
  return [...names];
}

/** Every `expr` string anywhere in a JSON document (Grafana panels, targets, nested rows). */
export function exprsIn(node: unknown): string[] {
  if (Array.isArray(node)) return node.flatMap(exprsIn);
  if (node !== null && typeof node === 'object') {
    return Object.entries(node).flatMap(([key, value]) => (key === 'expr' && typeof value === 'string' ? [value] : exprsIn(value)));
  }
  return [];
}
