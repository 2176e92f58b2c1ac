/**
 * A captured message as HTTP/1.x text, the way it crossed the wire: start line, headers in wire
 * order with duplicates, a blank line, then the body as text (or a note for binary bodies). For
 * the Raw tab and "copy as raw"; the text is bound into the page as text, never as markup.
 */
import type { FlowRecord } from '@honeyproxy/protocol';

type Headers = FlowRecord['request']['headers'];

function head(startLine: string, headers: Headers): string {
  return `${startLine}\r\n${headers.map(([k, v]) => `${k}: ${v}`).join('\r\n')}${headers.length ? '\r\n' : ''}\r\n`;
}

/** Request-target as sent: origin-form (path) for a proxied request, absolute-form kept otherwise. */
function target(url: string): string {
  const m = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*(.*)$/is.exec(url);
  return m ? m[1] || '/' : url;
}

export function requestHead(flow: FlowRecord): string {
  const { request } = flow;
  return head(
    `${request.method} ${target(request.url)} HTTP/${request.httpVersion}`,
    request.headers,
  );
}

export function responseHead(flow: FlowRecord): string | null {
  const { response } = flow;
  if (!response) return null;
  return head(
    `HTTP/${response.httpVersion} ${response.status} ${response.reason}`.trimEnd(),
    response.headers,
  );
}
