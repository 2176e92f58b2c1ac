/**
 * A captured URL broken into the parts an analyst reads: scheme, credentials, host, port, path,
 * query (raw) and fragment. Uses the WHATWG parser but keeps the path and query as the client
 * wrote them (the parser would normalise `..` and percent-escapes, which hides evidence).
 */

export interface UrlParts {
  scheme: string;
  username: string;
  password: string;
  host: string;
  port: string;
  path: string;
  query: string;
  fragment: string;
}

export function urlParts(url: string): UrlParts | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  // The raw path/query: everything after the authority, split at the first ? and #.
  const afterAuthority = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*(.*)$/is.exec(url)?.[1] ?? '';
  const hash = afterAuthority.indexOf('#');
  const beforeHash = hash === -1 ? afterAuthority : afterAuthority.slice(0, hash);
  const q = beforeHash.indexOf('?');
  return {
    scheme: parsed.protocol.replace(/:$/, ''),
    username: parsed.username,
    password: parsed.password,
    host: parsed.hostname,
    port: parsed.port,
    path: (q === -1 ? beforeHash : beforeHash.slice(0, q)) || '/',
    query: q === -1 ? '' : beforeHash.slice(q + 1),
    fragment: hash === -1 ? '' : afterAuthority.slice(hash + 1),
  };
}
