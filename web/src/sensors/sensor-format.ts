/** Short human spans for the sensors view: "4 s", "12 min", "3 h 5 min", "2 d 4 h". */

/** A duration in ms as the two largest units. */
export function formatSpan(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const min = Math.floor(s / 60);
  if (min < 60) return `${min} min`;
  const h = Math.floor(min / 60);
  if (h < 24) return min % 60 ? `${h} h ${min % 60} min` : `${h} h`;
  const d = Math.floor(h / 24);
  return h % 24 ? `${d} d ${h % 24} h` : `${d} d`;
}

/** How long ago, from a span in ms. */
export function formatAge(ms: number): string {
  return ms < 1500 ? 'just now' : `${formatSpan(ms)} ago`;
}
