/**
 * Typed access to the analyzer's REST API: the only module that calls `fetch`. Every JSON answer is
 * validated with the protocol's decoders before anything else sees it; bodies are read with a byte
 * cap so a huge capture cannot exhaust the tab's memory.
 */
import {
  flowPageCodec,
  flowRecordCodec,
  liveTicketCodec,
  relatedFlowsCodec,
  sensorListCodec,
  whoAmICodec,
  type Decoder,
  type FlowPage,
  type FlowRecord,
  type FlowSummary,
  type SensorList,
  type WhoAmI,
} from '@honeyproxy/protocol';
import { ApiError, BodyNotDecodableError } from './api-error.js';
import {
  bodyPath,
  flowPath,
  flowsPath,
  LIVE_PATH,
  LIVE_TICKET_PATH,
  ME_PATH,
  relatedPath,
  SENSORS_PATH,
  type BodySide,
  type FlowListQuery,
  type RelatedKind,
} from './paths.js';

/** At most this many bytes of a body are read (the rest is cancelled). */
export interface BodyRead {
  bytes: Uint8Array;
  /** False when the body was longer than the cap and reading stopped there. */
  complete: boolean;
}

export interface ApiClient {
  me(signal?: AbortSignal): Promise<WhoAmI>;
  listFlows(query: FlowListQuery, signal?: AbortSignal): Promise<FlowPage>;
  /** The 2012 helpers: earlier flows with content for a 304, the request after a redirect. */
  related(id: string, kind: RelatedKind, signal?: AbortSignal): Promise<FlowSummary[]>;
  sensors(signal?: AbortSignal): Promise<SensorList>;
  getFlow(id: string, signal?: AbortSignal): Promise<FlowRecord>;
  /** Reads up to `maxBytes` of a body; throws BodyNotDecodableError when decoding was asked and failed. */
  getBody(
    id: string,
    side: BodySide,
    opts: { decoded: boolean; maxBytes: number; signal?: AbortSignal },
  ): Promise<BodyRead>;
  /** A fresh single-use ticket for one live WebSocket. */
  liveTicket(signal?: AbortSignal): Promise<string>;
  /** ws(s):// URL of the live feed for a ticket. */
  liveUrl(ticket: string): string;
}

export interface ApiClientOptions {
  fetch?: typeof globalThis.fetch;
  /** The page's location (for the WebSocket URL). */
  location?: Pick<Location, 'protocol' | 'host'>;
}

export function createApiClient(options: ApiClientOptions = {}): ApiClient {
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  const loc = options.location ?? globalThis.location;

  async function request(path: string, accept: string, signal?: AbortSignal): Promise<Response> {
    let res: Response;
    try {
      res = await doFetch(path, { headers: { accept }, credentials: 'same-origin', signal });
    } catch (cause) {
      if (signal?.aborted) throw cause;
      throw new ApiError(`cannot reach the analyzer (${path})`, 0, { cause });
    }
    if (res.ok) return res;
    let message = `${path.split('?')[0] ?? path} answered ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`;
    if (res.status === 400) {
      // A client error's message says what was wrong (e.g. the filter); it is the server's text.
      message = serverMessage(await res.text().catch(() => '')) ?? message;
    } else {
      await res.body?.cancel().catch(() => undefined); // the error body is not needed
    }
    if (res.status === 422) throw new BodyNotDecodableError(message, res.status);
    throw new ApiError(message, res.status);
  }

  async function getJson<T>(path: string, decoder: Decoder<T>, signal?: AbortSignal): Promise<T> {
    const res = await request(path, 'application/json', signal);
    return decoder.decodeJson(await res.text());
  }

  return {
    me: (signal) => getJson(ME_PATH, whoAmICodec, signal),
    listFlows: (query, signal) => getJson(flowsPath(query), flowPageCodec, signal),
    async related(id, kind, signal) {
      return (await getJson(relatedPath(id, kind), relatedFlowsCodec, signal)).flows;
    },
    sensors: (signal) => getJson(SENSORS_PATH, sensorListCodec, signal),
    getFlow: (id, signal) => getJson(flowPath(id), flowRecordCodec, signal),
    async getBody(id, side, { decoded, maxBytes, signal }) {
      const res = await request(bodyPath(id, side, decoded), '*/*', signal);
      return readCapped(res, maxBytes);
    },
    async liveTicket(signal) {
      return (await getJson(LIVE_TICKET_PATH, liveTicketCodec, signal)).ticket;
    },
    liveUrl(ticket) {
      const scheme = loc.protocol === 'https:' ? 'wss:' : 'ws:';
      return `${scheme}//${loc.host}${LIVE_PATH}?ticket=${encodeURIComponent(ticket)}`;
    },
  };
}

/** The `message` of an API error body `{ error, message }`, if it is one. */
function serverMessage(text: string): string | undefined {
  try {
    const body: unknown = JSON.parse(text);
    if (typeof body === 'object' && body !== null && 'message' in body)
      return typeof body.message === 'string' ? body.message.slice(0, 300) : undefined;
  } catch {
    // not JSON: keep the generic message
  }
  return undefined;
}

/** Reads at most `maxBytes` of the response, cancelling the rest. */
async function readCapped(res: Response, maxBytes: number): Promise<BodyRead> {
  if (!res.body) return { bytes: new Uint8Array(0), complete: true };
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  let complete = true;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    const room = maxBytes - total;
    if (value.byteLength > room) {
      chunks.push(value.subarray(0, room));
      total += room;
      complete = false;
      await reader.cancel();
      break;
    }
    chunks.push(value);
    total += value.byteLength;
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return { bytes, complete };
}
