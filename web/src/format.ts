/** Formats an ISO string or epoch ms as a local date-time; '—' for nothing. */
export function formatTime(value: string | number | null | undefined): string {
  if (value === null || value === undefined || value === '') return '—';
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) return String(value);
  return d.toLocaleString(undefined, { year: 'numeric', month: 'short', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

/** Pretty JSON for a value that may itself be a JSON string (raw payloads, stored bodies). */
export function prettyJson(value: unknown): string {
  if (typeof value === 'string') {
    try {
      return JSON.stringify(JSON.parse(value), null, 2);
    } catch {
      return value;
    }
  }
  return JSON.stringify(value, null, 2) ?? '';
}

/** A number with thousands separators, or '—'. */
export function formatCount(value: unknown): string {
  return typeof value === 'number' && Number.isFinite(value) ? value.toLocaleString() : '—';
}

/** Milliseconds as "123 ms" / "1.2 s", or '—'. */
export function formatMs(value: unknown): string {
  if (typeof value !== 'number' || !Number.isFinite(value)) return '—';
  return value >= 1000 ? `${(value / 1000).toFixed(1)} s` : `${Math.round(value)} ms`;
}

/** "just now", "5 s ago", "12 min ago", "3 h ago", or the date for anything older than a day. */
export function formatAgo(value: string | number | null | undefined, nowMs = Date.now()): string {
  if (value === null || value === undefined || value === '') return '—';
  const t = new Date(value).getTime();
  if (Number.isNaN(t)) return String(value);
  const s = Math.round((nowMs - t) / 1000);
  if (s < 2) return 'just now';
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ago`;
  return `on ${formatTime(value)}`;
}
