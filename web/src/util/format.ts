/**
 * Display formatting shared by components: sizes, durations, times, status classes, addresses.
 */

const SIZE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

/** 1536 → "1.5 KiB". */
export function formatSize(bytes: number | null): string {
  if (bytes === null) return '';
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < SIZE_UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  const digits = unit === 0 || value >= 100 ? 0 : 1;
  return `${value.toFixed(digits)} ${SIZE_UNITS[unit] ?? ''}`;
}

/** One formatter for every number: `toLocaleString` builds a new one per call (slow per table cell). */
const GROUPED = new Intl.NumberFormat('en-US');

/** 12345 → "12,345". */
export function formatCount(n: number): string {
  return GROUPED.format(n);
}

/** Exact byte count with thousands separators. */
export function formatBytes(bytes: number): string {
  return `${GROUPED.format(bytes)} B`;
}

/** ms → "840 ms", "1.25 s", "2 min 5 s". */
export function formatDuration(ms: number | null): string {
  if (ms === null) return '';
  if (ms < 1) return `${ms.toFixed(2)} ms`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  const minutes = Math.floor(ms / 60_000);
  return `${minutes} min ${Math.round((ms % 60_000) / 1000)} s`;
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** Local time of day with milliseconds: "14:03:07.412". */
export function formatTime(epochMs: number): string {
  const d = new Date(epochMs);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

/** Local date and time: "2026-07-01 14:03:07.412". */
export function formatDateTime(epochMs: number): string {
  const d = new Date(epochMs);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${formatTime(epochMs)}`;
}

/** CSS class for a status code's colour ("s-2xx"…), "s-err" for no status. */
export function statusClass(status: number | null): string {
  if (status === null) return 's-err';
  const klass = Math.floor(status / 100);
  return klass >= 1 && klass <= 5 ? `s-${klass}xx` : 's-err';
}

/** "ip:port", bracketing IPv6 addresses. */
export function hostPort(ip: string | undefined, port: number): string {
  if (ip === undefined) return `?:${port}`;
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}
