/**
 * Turns one decoded flow into what the store writes: the table row (typed columns + the FlowRecord as
 * JSON text, serialised once), the body rows, and the summary. Every body is checked here — length and
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
import { flowRow, type FlowRow } from './flow-row.js';
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
  /** The typed columns of the flows row (derived from the sanitised record). */
  readonly row: FlowRow;
  /** The FlowRecord as JSON text (bodies as metadata), already sanitised for PostgreSQL. */
  readonly recordJson: string;
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
  let recordJson = JSON.stringify(record);
  if (needsSanitizing(recordJson)) {
    // Rare: re-derive the summary (hence the typed columns) from the stored form, so the columns
    // and live events match what the API returns. The columns all come from the record.
    recordJson = sanitizeJson(recordJson);
    summary = summarizeFlow(JSON.parse(recordJson) as FlowRecord);
  }
  const row = flowRow(summary, requestBody?.sha256 ?? null, record.response?.body?.sha256 ?? null);
  return {
    id: flow.flowId,
    summary,
    row,
    recordJson,
    bodies: out.bodies,
    assumedBodies: out.assumed,
  };
}
