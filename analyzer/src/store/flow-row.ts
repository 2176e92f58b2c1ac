/**
 * One `flows` row as the store writes it: the typed columns (from the flow's summary) and the record
 * as JSON text, with the column list in one place for both ways a batch is written — binary COPY
 * (PostgreSQL) and one jsonb_to_recordset statement (PGlite, and PostgreSQL when a batch holds a flow
 * that is already stored).
 */
import { sql, type Insertable } from 'kysely';
import type { FlowSummary } from '@honeyproxy/protocol';
import type { FlowsTable } from '../db/database.js';
import type { CopyColumnType, CopyValue } from './binary-copy-encoder.js';

/** The columns written for a flow (all of them, `record` apart), with their insert types. */
export type FlowRow = Required<Omit<Insertable<FlowsTable>, 'record' | 'received_at'>>;

/** Every column written, in order, with its SQL type and COPY encoding (`record` last). */
const COLUMNS: readonly (readonly [
  name: keyof FlowRow | 'record',
  sqlType: string,
  copy: CopyColumnType,
])[] = [
  ['id', 'uuid', 'uuid'],
  ['sensor_id', 'text', 'text'],
  ['mode', 'text', 'text'],
  ['started_at', 'double precision', 'float8'],
  ['duration', 'double precision', 'float8'],
  ['method', 'text', 'text'],
  ['url', 'text', 'text'],
  ['host', 'text', 'text'],
  ['path', 'text', 'text'],
  ['status', 'integer', 'int4'],
  ['content_type', 'text', 'text'],
  ['sniffed_type', 'text', 'text'],
  ['response_size', 'bigint', 'int8'],
  ['tls', 'boolean', 'bool'],
  ['client_ip', 'text', 'text'],
  ['server_ip', 'text', 'text'],
  ['host_mismatch', 'boolean', 'bool'],
  ['error_kind', 'text', 'text'],
  ['request_body_sha256', 'text', 'text'],
  ['response_body_sha256', 'text', 'text'],
  ['record', 'jsonb', 'jsonb'],
];

export const FLOW_COLUMN_LIST = COLUMNS.map(([name]) => name).join(', ');
export const FLOW_COPY_TYPES: readonly CopyColumnType[] = COLUMNS.map(([, , copy]) => copy);
export const FLOW_COLUMNS_SQL = sql.raw(FLOW_COLUMN_LIST);
export const FLOW_RECORDSET_TYPES_SQL = sql.raw(
  COLUMNS.map(([name, type]) => `${name} ${type}`).join(', '),
);

export function flowRow(
  summary: FlowSummary,
  requestBodySha256: string | null,
  responseBodySha256: string | null,
): FlowRow {
  return {
    id: summary.id,
    sensor_id: summary.sensorId,
    mode: summary.mode,
    started_at: summary.start,
    duration: summary.duration,
    method: summary.method,
    url: summary.url,
    host: summary.host,
    path: summary.path,
    status: summary.status,
    content_type: summary.contentType,
    sniffed_type: summary.sniffedType,
    response_size: summary.size,
    tls: summary.tls,
    client_ip: summary.clientIp,
    server_ip: summary.serverIp,
    host_mismatch: summary.hostMismatch,
    error_kind: summary.error,
    request_body_sha256: requestBodySha256,
    response_body_sha256: responseBodySha256,
  };
}

/** The row's values in COPY column order. */
export function flowCopyValues(row: FlowRow, recordJson: string): CopyValue[] {
  return [
    row.id,
    row.sensor_id,
    row.mode,
    row.started_at,
    row.duration,
    row.method,
    row.url,
    row.host,
    row.path,
    row.status,
    row.content_type,
    row.sniffed_type,
    row.response_size,
    row.tls,
    row.client_ip,
    row.server_ip,
    row.host_mismatch,
    row.error_kind,
    row.request_body_sha256,
    row.response_body_sha256,
    recordJson,
  ];
}

/** The row as one JSON object (for jsonb_to_recordset): the columns, then the record as is. */
export function flowRowJson(row: FlowRow, recordJson: string): string {
  const columns = JSON.stringify(row);
  return `${columns.slice(0, -1)},"record":${recordJson}}`;
}
