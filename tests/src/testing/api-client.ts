/**
 * A small client of the analyzer's API as a script would use it: Basic Auth, raw bytes for bodies,
 * every JSON answer decoded with the protocol's codecs (a response of the wrong shape fails the
 * test), and polling with a deadline for flows that are on their way through NATS and Postgres.
 */
import {
  flowPageCodec,
  flowRecordCodec,
  type FlowPage,
  type FlowRecord,
  type FlowSummary,
} from '@honeyproxy/protocol';

export interface ApiResponse {
  status: number;
  headers: Headers;
  body: Buffer;
}

export interface ApiClient {
  readonly base: string;
  /** GET with this client's credentials (or `credentials`; null sends none). */
  get(path: string, credentials?: { user: string; password: string } | null): Promise<ApiResponse>;
  /** GET that must answer 200 with JSON. */
  json(path: string): Promise<unknown>;
  flows(query?: string): Promise<FlowPage>;
  flow(id: string): Promise<FlowRecord>;
  /** Raw (or `?decoded=1`) body bytes; the answer must be 200. */
  body(id: string, side: 'request' | 'response', decoded?: boolean): Promise<Buffer>;
  /** Polls the newest page until a flow matches, then returns its full record. */
  waitForFlow(match: (flow: FlowSummary) => boolean, what: string, timeoutMs?: number): Promise<FlowRecord>;
}

export function createApiClient(base: string, user: string, password: string): ApiClient {
  const authOf = (c: { user: string; password: string }) =>
    `Basic ${Buffer.from(`${c.user}:${c.password}`).toString('base64')}`;

  const get: ApiClient['get'] = async (path, credentials = { user, password }) => {
    const res = await fetch(`${base}${path}`, {
      headers: credentials ? { authorization: authOf(credentials) } : {},
    });
    return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
  };

  const ok = async (path: string): Promise<ApiResponse> => {
    const res = await get(path);
    if (res.status !== 200) {
      throw new Error(`GET ${path} answered ${res.status}: ${res.body.toString('utf8').slice(0, 500)}`);
    }
    return res;
  };

  const json = async (path: string): Promise<unknown> => JSON.parse((await ok(path)).body.toString('utf8'));
  const flows = async (query = '') => flowPageCodec.decode(await json(`/api/flows${query}`));
  const flow = async (id: string) => flowRecordCodec.decode(await json(`/api/flows/${id}`));

  return {
    base,
    get,
    json,
    flows,
    flow,
    async body(id, side, decoded = false) {
      return (await ok(`/api/flows/${id}/${side}/body${decoded ? '?decoded=1' : ''}`)).body;
    },
    async waitForFlow(match, what, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const page = await flows('?limit=1000');
        const found = page.flows.find(match);
        if (found) return flow(found.id);
        if (Date.now() > deadline) {
          throw new Error(`no flow for ${what} within ${timeoutMs} ms (newest: ${page.flows.slice(0, 5).map((f) => f.url).join(', ')})`);
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
  };
}

/** Polls `probe` until it returns a value other than undefined. */
export async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
