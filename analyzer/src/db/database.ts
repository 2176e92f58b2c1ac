/**
 * The database as kysely sees it: one interface per table, matching migrations/ (which are the
 * truth; these types only describe them for queries). Column names are snake_case as in SQL.
 */
import type { ColumnType, Generated } from 'kysely';

/** bigint columns: pg returns them as strings, so queries cast them (::float8) where read. */
type BigintColumn = ColumnType<string | number, number, number>;

export interface FlowsTable {
  id: string;
  sensor_id: string;
  mode: string;
  started_at: number;
  duration: number | null;
  method: string;
  url: string;
  host: string;
  path: string;
  status: number | null;
  content_type: string | null;
  response_size: BigintColumn | null;
  tls: boolean;
  client_ip: string;
  server_ip: string | null;
  error_kind: string | null;
  request_body_sha256: string | null;
  response_body_sha256: string | null;
  /** Media type of the response body by magic bytes (migration 0002). */
  sniffed_type: string | null;
  host_mismatch: ColumnType<boolean, boolean | undefined, boolean>;
  /** The FlowRecord (bodies as metadata), as stored. */
  record: ColumnType<unknown, string, string>;
  received_at: Generated<Date>;
}

export interface BodiesTable {
  sha256: string;
  len: BigintColumn;
  data: Uint8Array;
  created_at: Generated<Date>;
}

export interface SensorsTable {
  id: string;
  first_seen: Generated<Date>;
  last_seen: Date;
  heartbeat: ColumnType<unknown, string, string>;
  ca_pem: string | null;
  ca_sha256: string | null;
}

export interface DeadLettersTable {
  id: Generated<string>;
  received_at: Generated<Date>;
  subject: string;
  reason: string;
  payload: Uint8Array;
  stream_seq: BigintColumn | null;
  delivery_count: number | null;
}

export interface AuditLogTable {
  id: Generated<string>;
  at: Generated<Date>;
  actor: string;
  action: string;
  detail: ColumnType<unknown, string, string>;
}

export interface Database {
  flows: FlowsTable;
  bodies: BodiesTable;
  sensors: SensorsTable;
  dead_letters: DeadLettersTable;
  audit_log: AuditLogTable;
}
