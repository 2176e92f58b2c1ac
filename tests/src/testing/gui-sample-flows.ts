/**
 * Flow records for GUI tests: well-formed (validated with the protocol codec) and with bodies, so a
 * fake API can serve both the metadata and the bytes. Ids are time-ordered like the sensor's UUIDv7.
 */
import { createHash } from 'node:crypto';
import {
  flowRecordCodec,
  type BodyMeta,
  type FlowRecord,
  type FlowTls,
} from '@honeyproxy/protocol';

/** A flow record plus the body bytes its metadata describes. */
export interface SampleFlow {
  record: FlowRecord;
  requestBody: Uint8Array | null;
  /** Decoded response bytes (what `?decoded=1` serves). */
  responseBody: Uint8Array | null;
  /** When set, `?decoded=1` answers 422 for the response (content-encoding the analyzer cannot undo). */
  undecodable?: boolean;
}

let counter = 0;
const BASE_TIME = Date.UTC(2026, 0, 15, 9, 30, 0);

/** A time-ordered flow id (UUID shape, version 7 nibble), unique within the process. */
export function sampleFlowId(time: number): string {
  counter++;
  const ms = Math.floor(time).toString(16).padStart(12, '0');
  const seq = counter.toString(16).padStart(12, '0');
  return `${ms.slice(0, 8)}-${ms.slice(8, 12)}-7000-8000-${seq}`;
}

function meta(bytes: Uint8Array | null): BodyMeta {
  if (bytes === null) return null;
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  return { len: bytes.byteLength, capturedLen: bytes.byteLength, sha256, truncated: false };
}

export interface SampleFlowOptions {
  index?: number;
  method?: string;
  url?: string;
  /** Host as the client named it (defaults to the URL's host name). */
  serverHost?: string;
  status?: number | null;
  requestHeaders?: [string, string][];
  responseHeaders?: [string, string][];
  requestBody?: string | Uint8Array | null;
  responseBody?: string | Uint8Array | null;
  undecodable?: boolean;
  tls?: FlowTls;
  anomalies?: string[];
}

const utf8 = (value: string | Uint8Array | null | undefined): Uint8Array | null =>
  value === undefined || value === null
    ? null
    : typeof value === 'string'
      ? new TextEncoder().encode(value)
      : value;

/** Builds one validated sample flow; `index` spaces start times one second apart. */
export function sampleFlow(options: SampleFlowOptions = {}): SampleFlow {
  const start = BASE_TIME + (options.index ?? counter) * 1000 + 0.25;
  const url = options.url ?? `http://example.test/item/${options.index ?? counter}`;
  const parsed = new URL(url);
  const requestBody = utf8(options.requestBody);
  const responseBody = utf8(options.responseBody ?? (options.status === null ? null : 'hello'));
  const status = options.status === undefined ? 200 : options.status;
  const record: FlowRecord = {
    v: 1,
    flowId: sampleFlowId(start),
    sensorId: 'gw-1',
    mode: 'explicit',
    ts: { start, requestEnd: start + 3, responseStart: start + 40.5, end: start + 52.75 },
    client: { ip: '10.0.0.7', port: 51000 },
    server: {
      ip: '93.184.215.14',
      port: parsed.protocol === 'https:' ? 443 : 80,
      host: options.serverHost ?? parsed.hostname,
    },
    request: {
      method: options.method ?? 'GET',
      url,
      httpVersion: '1.1',
      headers: options.requestHeaders ?? [
        ['Host', parsed.host],
        ['User-Agent', 'curl/8.5.0'],
        ['Accept', '*/*'],
      ],
      body: meta(requestBody),
    },
    anomalies: options.anomalies ?? [],
  };
  if (options.tls) record.tls = options.tls;
  if (status === null) {
    record.error = {
      kind: 'upstream-unreachable',
      code: 'ECONNREFUSED',
      message: 'connect ECONNREFUSED',
    };
  } else {
    record.response = {
      status,
      reason: status === 200 ? 'OK' : 'Status',
      httpVersion: '1.1',
      headers: options.responseHeaders ?? [['Content-Type', 'text/plain; charset=utf-8']],
      body: meta(responseBody),
    };
  }
  return {
    record: flowRecordCodec.decode(record),
    requestBody,
    responseBody: status === null ? null : responseBody,
    undecodable: options.undecodable,
  };
}
