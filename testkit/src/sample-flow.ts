/**
 * Hand-built flow messages for tests (analyzer, GUI, scale-out): valid by construction (the protocol codec accepts them), with
 * real sha256 bodies, inline up to INLINE_BODY_MAX and by BODIES reference above it.
 */
import { createHash, randomBytes } from 'node:crypto';
import {
  INLINE_BODY_MAX,
  bodyRef,
  type Body,
  type FlowMessage,
  type HeaderPairs,
} from '@honeyproxy/protocol';

const sha256Hex = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

let sequence = 0;

/** A UUIDv7 for `ms` (time-ordered like a sensor's), unique within the process. */
export function flowIdAt(ms: number): string {
  const hex =
    Math.floor(ms).toString(16).padStart(12, '0') +
    '7' +
    (sequence++ & 0xfff).toString(16).padStart(3, '0') +
    '8' +
    randomBytes(8).toString('hex').slice(1);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

export interface SampleFlowOptions {
  sensorId?: string;
  start?: number;
  id?: string;
  url?: string;
  requestBody?: Uint8Array;
  responseBody?: Uint8Array;
  responseHeaders?: HeaderPairs;
  /** No response at all (e.g. upstream unreachable). */
  noResponse?: boolean;
}

export interface SampleFlow {
  flow: FlowMessage;
  /** Bytes of the bodies sent by reference, by sha256. */
  refBodies: Map<string, Uint8Array>;
}

function body(data: Uint8Array | undefined, refs: Map<string, Uint8Array>): Body {
  if (data === undefined) return null;
  const sha256 = sha256Hex(data);
  const meta = { len: data.byteLength, capturedLen: data.byteLength, sha256, truncated: false };
  if (data.byteLength <= INLINE_BODY_MAX)
    return { ...meta, inline: Buffer.from(data).toString('base64') };
  refs.set(sha256, data);
  return { ...meta, ref: bodyRef(sha256) };
}

export function sampleFlow(options: SampleFlowOptions = {}): SampleFlow {
  const start = options.start ?? Date.now() + Math.random();
  const refs = new Map<string, Uint8Array>();
  const url = options.url ?? 'http://example.test/index.html?q=1';
  const flow: FlowMessage = {
    v: 1,
    flowId: options.id ?? flowIdAt(start),
    sensorId: options.sensorId ?? 'gw-1',
    mode: 'explicit',
    ts: { start, end: start + 12.5 },
    client: { ip: '10.0.0.7', port: 51514 },
    server: { ip: '192.0.2.10', port: 80, host: new URL(url).host },
    request: {
      method: options.requestBody ? 'POST' : 'GET',
      url,
      httpVersion: '1.1',
      headers: [
        ['Host', new URL(url).host],
        ['User-Agent', 'curl/8'],
        ['x-dup', '1'],
        ['X-Dup', '2'],
      ],
      body: body(options.requestBody, refs),
    },
    ...(options.noResponse
      ? {
          error: {
            kind: 'upstream-unreachable' as const,
            code: 'ECONNREFUSED',
            message: 'connect ECONNREFUSED',
          },
        }
      : {
          response: {
            status: 200,
            reason: 'OK',
            httpVersion: '1.1',
            headers: options.responseHeaders ?? [['Content-Type', 'text/html; charset=utf-8']],
            body: body(options.responseBody, refs),
          },
        }),
    anomalies: [],
  };
  return { flow, refBodies: refs };
}
