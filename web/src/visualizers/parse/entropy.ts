/**
 * Shannon entropy of bytes in bits per byte (0–8). Packed or encrypted sections sit near 8, code
 * around 6, padding near 0 — the quickest tell of a packed executable.
 */

export function entropy(bytes: Uint8Array): number {
  if (bytes.length === 0) return 0;
  const counts = new Uint32Array(256);
  for (const b of bytes) counts[b] = (counts[b] ?? 0) + 1;
  let h = 0;
  for (const c of counts) {
    if (c === 0) continue;
    const p = c / bytes.length;
    h -= p * Math.log2(p);
  }
  return h;
}
