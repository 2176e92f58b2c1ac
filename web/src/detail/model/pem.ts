/**
 * PEM certificate text to DER bytes (for the SHA-1 fingerprint and the download), without
 * trusting the text: only the base64 between the first BEGIN/END CERTIFICATE lines is decoded.
 */

export function pemToDer(pem: string): Uint8Array | null {
  const m = /-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\s]+)-----END CERTIFICATE-----/.exec(pem);
  if (!m?.[1]) return null;
  try {
    const bin = atob(m[1].replace(/\s+/g, ''));
    return Uint8Array.from(bin, (c) => c.charCodeAt(0));
  } catch {
    return null;
  }
}

/** "AB:CD:…" from a hex digest. */
export function colonHex(hex: string): string {
  return (hex.toUpperCase().match(/../g) ?? []).join(':');
}
