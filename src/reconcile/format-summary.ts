import type { ReconcileProgress, ReconcileSummary } from './reconcile-profiles.js';

/** One progress line for stderr. */
export function formatProgress(p: ReconcileProgress): string {
  if (p.phase === 'compare') {
    return `reconcile: ${p.checked} checked: ${p.equal} equal, ${p.differing} differing, ${p.missing} missing in CleverTap, ${p.unaddressable} unaddressable, ${p.errors} errors`;
  }
  if (p.phase === 'deliver') return `reconcile: fix: ${p.delivered} of ${p.resent} resent profiles delivered${p.failed > 0 ? `, ${p.failed} failed` : ''}`;
  return `reconcile: fix: ${p.equal} of ${p.delivered} delivered profiles now equal in CleverTap`;
}

const row = (label: string, value: number, note = ''): string => `  ${label.padEnd(22)}${String(value).padStart(8)}${note ? `  ${note}` : ''}`;

/** The report for stdout: counts, the most frequent differing properties, problems, and the fix. */
export function formatSummary(s: ReconcileSummary, opts: { waitMs: number; topProperties?: number } = { waitMs: 0 }): string {
  const lines: string[] = [];
  const what = s.selection.kind === 'all' ? 'every user' : `a random sample of at most ${s.selection.size} users`;
  lines.push(`reconcile app ${s.appId} (${what}): pcbridge's snapshot against CleverTap's profile`);
  lines.push(row('checked', s.checked));
  lines.push(row('equal', s.equal));
  lines.push(row('differing', s.differing, s.withOpenRecords > 0 ? `(${s.withOpenRecords} of the differing and missing have profile records not delivered yet)` : ''));
  lines.push(row('missing in CleverTap', s.missing));
  lines.push(row('unaddressable', s.unaddressable, s.unaddressable > 0 ? '(no CleverTap identifier yet: anonymous, no CleverTap ID set; CleverTap cannot be asked)' : ''));
  lines.push(row('errors', s.errors));
  if (s.notCompared > 0) lines.push(row('not compared', s.notCompared, '(SANDBOX states: this app does not send SANDBOX events to CleverTap)'));
  if (s.stoppedBecause !== null) lines.push(`stopped: ${s.stoppedBecause}`);
  const top = s.properties.slice(0, opts.topProperties ?? 10);
  if (top.length > 0) {
    lines.push('most frequent differing properties (users):');
    const width = Math.max(...top.map((p) => p.property.length), 20);
    for (const p of top) lines.push(`  ${p.property.padEnd(width)}  ${p.users}`);
  }
  if (s.problems.length > 0) {
    lines.push(`errors (first ${s.problems.length}):`);
    for (const p of s.problems) lines.push(`  ${who(p)}: ${p.message}`);
  }
  if (s.fix !== null) {
    const f = s.fix;
    lines.push(`fix: ${f.resent} profiles resent, ${f.delivered} delivered, ${f.fixed} now equal in CleverTap`);
    for (const p of f.notResent) lines.push(`  not resent ${who(p)}: ${p.message}`);
    for (const p of f.failed) lines.push(`  not delivered ${who(p)}: ${p.message}`);
    if (f.undelivered > 0) {
      lines.push(
        `  ${f.undelivered} resent profiles were not delivered within ${Math.round(opts.waitMs / 1000)} s: a running pcbridge server (pcbridge serve, role all or worker, on this database) delivers them; they stay queued and go when one runs.`,
      );
    }
    for (const p of f.stillDiffering) lines.push(`  still differing ${who(p)}: ${p.message}`);
  }
  lines.push(
    s.ok
      ? 'result: all compared profiles are equal' + (s.fix ? ' (after the fix)' : '')
      : 'result: not all profiles are equal' + (s.fix === null && s.differing + s.missing > 0 ? ' (run with --fix to resend them)' : ''),
  );
  return lines.join('\n');
}

function who(p: { userKey: string; environment: string }): string {
  return `${JSON.stringify(p.userKey)}${p.environment !== '' && p.environment !== 'PRODUCTION' ? ` (${p.environment})` : ''}`;
}
