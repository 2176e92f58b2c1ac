/**
 * A small client of the analyzer's API as a script would use it: Basic Auth, raw bytes for bodies,
 * every JSON answer decoded with the protocol's codecs (a response of the wrong shape fails the
 * test), and polling (testkit's waitForValue) for flows on their way through NATS and Postgres.
 */
import {
  flowPageCodec,
  flowRecordCodec,
  type FlowPage,
  type FlowRecord,
  type FlowSummary,
} from '@honeyproxy/protocol';
import { waitForValue } from '@honeyproxy/testkit';

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
  waitForFlow(
    match: (flow: FlowSummary) => boolean,
    what: string,
    timeoutMs?: number,
  ): Promise<FlowRecord>;
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
      throw new Error(
        `GET ${path} answered ${res.status}: ${res.body.toString('utf8').slice(0, 500)}`,
      );
    }
    return res;
  };

  const json = async (path: string): Promise<unknown> =>
    JSON.parse((await ok(path)).body.toString('utf8'));
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
      let newest: string[] = [];
      const found = await waitForValue(
        async () => {
          const page = await flows('?limit=1000');
          newest = page.flows.slice(0, 5).map((f) => f.url);
          return page.flows.find(match);
        },
        {
          what: () => `a flow for ${what} (newest: ${newest.join(', ')})`,
          timeoutMs,
          intervalMs: 100, // each check lists up to 1000 flows
        },
      );
      return flow(found.id);
    },
  };
}
