/**
 * The flow list's columns: what a page of summaries reads from `flows` and how a row becomes the
 * FlowSummary the API and the live stream share.
 */
import { sql, type Selectable } from 'kysely';
import type { FlowSummary } from '@honeyproxy/protocol';
import type { FlowsTable } from '../db/database.js';

const ERROR_KINDS = new Set<string>([
  'client-abort',
  'upstream-unreachable',
  'tls-failure',
  'protocol',
  'blocked',
]);

function asErrorKind(value: string | null): FlowSummary['error'] {
  return value !== null && ERROR_KINDS.has(value)
    ? (value as NonNullable<FlowSummary['error']>)
    : null;
}

export const SUMMARY_COLUMNS = [
  'id',
  'sensor_id',
  'mode',
  'started_at',
  'duration',
  'method',
  'url',
  'host',
  'path',
  'status',
  'content_type',
  'sniffed_type',
  'tls',
  'client_ip',
  'server_ip',
  'host_mismatch',
  'error_kind',
  sql<number | null>`response_size::float8`.as('size'),
] as const;

/** A row of SUMMARY_COLUMNS: the table's columns as read, `response_size` read as `size`. */
export type SummaryRow = Pick<
  Selectable<FlowsTable>,
  Extract<(typeof SUMMARY_COLUMNS)[number], string>
> & { size: number | null };

export function toSummary(r: SummaryRow): FlowSummary {
  return {
    id: r.id,
    sensorId: r.sensor_id,
    mode: r.mode === 'transparent' ? 'transparent' : 'explicit',
    start: r.started_at,
    duration: r.duration,
    method: r.method,
    url: r.url,
    host: r.host,
    path: r.path,
    status: r.status,
    contentType: r.content_type,
    sniffedType: r.sniffed_type,
    size: r.size,
    tls: r.tls,
    clientIp: r.client_ip,
    serverIp: r.server_ip,
    hostMismatch: r.host_mismatch,
    error: asErrorKind(r.error_kind),
  };
}
