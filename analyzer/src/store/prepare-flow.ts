/**
 * Turns one decoded flow into what the store writes: the table row (typed columns + the FlowRecord as
 * jsonb, serialised once), the body rows, and the summary. Every body is checked here — length and
 * sha256 of the actual bytes — so a lying or corrupted message is refused before it reaches a batch.
 */
import { createHash } from 'node:crypto';
import {
  isInline,
  refName,
  summarizeFlow,
  type Body,
  type BodyMeta,
  type FlowRecord,
  type FlowSummary,
  type HeaderPairs,
} from '@honeyproxy/protocol';
import type { IngestItem } from './ingest-item.js';
import { needsSanitizing, sanitizeJson } from './sanitize-json.js';
import { sniffBody } from './sniff-body.js';

/** A flow that cannot be stored as it is (the reason is safe to show and store). */
export class InvalidFlowError extends Error {
  override readonly name = 'InvalidFlowError';
}

export interface BodyRow {
  sha256: string;
  data: Uint8Array;
}

export interface PreparedFlow {
  readonly id: string;
  readonly summary: FlowSummary;
  /** The flows row as JSON text (record included), already sanitised for PostgreSQL. */
  readonly rowJson: string;
  /** Body bytes to store (verified). */
  readonly bodies: readonly BodyRow[];
  /** sha256 of ref bodies whose bytes were not supplied: they must already be stored. */
  readonly assumedBodies: readonly string[];
}

export function sha256Hex(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

function checkBody(
  side: string,
  body: Body,
  headers: HeaderPairs,
  supplied: ReadonlyMap<string, Uint8Array>,
  out: { bodies: BodyRow[]; assumed: string[] },
): BodyMeta {
  if (body === null) return null;
  const { len, capturedLen, sha256, truncated } = body;
  if (!Number.isSafeInteger(len) || !Number.isSafeInteger(capturedLen)) {
    throw new InvalidFlowError(`${side} body length is not a safe integer`);
  }
  if (capturedLen > len)
    throw new InvalidFlowError(`${side} body capturedLen ${capturedLen} exceeds len ${len}`);
  if (!truncated && capturedLen !== len) {
    throw new InvalidFlowError(
      `${side} body is not truncated but capturedLen ${capturedLen} differs from len ${len}`,
    );
  }
  let data: Uint8Array | undefined;
  if (isInline(body)) {
    data = Buffer.from(body.inline, 'base64');
  } else {
    if (refName(body) !== sha256)
      throw new InvalidFlowError(`${side} body ref does not name its sha256`);
    data = supplied.get(sha256);
  }
  if (data === undefined) {
    out.assumed.push(sha256);
  } else {
    if (data.byteLength !== capturedLen) {
      throw new InvalidFlowError(
        `${side} body has ${data.byteLength} bytes, capturedLen says ${capturedLen}`,
      );
    }
    if (sha256Hex(data) !== sha256)
      throw new InvalidFlowError(`${side} body bytes do not match its sha256`);
    out.bodies.push({ sha256, data });
    const sniffedType = sniffBody(data, headers);
    if (sniffedType !== undefined) return { len, capturedLen, sha256, truncated, sniffedType };
  }
  return { len, capturedLen, sha256, truncated };
}

/** Validates and converts one flow; throws InvalidFlowError with a storable reason. */
export function prepareFlow(item: IngestItem): PreparedFlow {
  const { flow } = item;
  if (flow.sensorId !== item.sensorId) {
    throw new InvalidFlowError(
      `payload sensorId "${flow.sensorId}" differs from the sending sensor "${item.sensorId}"`,
    );
  }
  const out = { bodies: [] as BodyRow[], assumed: [] as string[] };
  const requestBody = checkBody(
    'request',
    flow.request.body,
    flow.request.headers,
    item.bodies,
    out,
  );
  const record: FlowRecord = {
    ...flow,
    request: { ...flow.request, body: requestBody },
    ...(flow.response
      ? {
          response: {
            ...flow.response,
            body: checkBody(
              'response',
              flow.response.body,
              flow.response.headers,
              item.bodies,
              out,
            ),
          },
        }
      : {}),
  };
  let summary = summarizeFlow(record);
  const row = (s: FlowSummary, r: unknown) => ({
    id: s.id,
    sensor_id: s.sensorId,
    mode: s.mode,
    started_at: s.start,
    duration: s.duration,
    method: s.method,
    url: s.url,
    host: s.host,
    path: s.path,
    status: s.status,
    content_type: s.contentType,
    sniffed_type: s.sniffedType,
    response_size: s.size,
    tls: s.tls,
    client_ip: s.clientIp,
    server_ip: s.serverIp,
    host_mismatch: s.hostMismatch,
    error_kind: s.error,
    request_body_sha256: requestBody?.sha256 ?? null,
    response_body_sha256: record.response?.body?.sha256 ?? null,
    record: r,
  });
  let rowJson = JSON.stringify(row(summary, record));
  if (needsSanitizing(rowJson)) {
    // Rare: re-derive the summary from the stored form so live events match what the API returns.
    rowJson = sanitizeJson(rowJson);
    const stored = JSON.parse(rowJson) as { record: FlowRecord };
    summary = summarizeFlow(stored.record);
  }
  return { id: flow.flowId, summary, rowJson, bodies: out.bodies, assumedBodies: out.assumed };
}
