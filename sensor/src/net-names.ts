/**
 * Small helpers for addresses and host names as they appear on sockets and in headers.
 */

/** '::ffff:10.0.0.1' → '10.0.0.1' (the dual-stack listener maps IPv4 clients). */
export function normalizeIp(ip: string | undefined): string {
  if (!ip) return '';
  return ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice(7) : ip;
}

/**
 * The host part of a Host header / authority ('example.com:8080' → 'example.com',
 * '[::1]:80' → '::1'). Returns undefined for an empty value.
 */
export function hostOfAuthority(authority: string | undefined): string | undefined {
  if (!authority) return undefined;
  if (authority.startsWith('[')) {
    const end = authority.indexOf(']');
    return end > 0 ? authority.slice(1, end) : authority;
  }
  const colon = authority.indexOf(':');
  // more than one colon and no brackets: a bare IPv6 address, keep it whole
  if (colon !== -1 && authority.indexOf(':', colon + 1) === -1) return authority.slice(0, colon);
  return authority;
}
