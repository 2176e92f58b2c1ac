/* eslint-disable @typescript-eslint/no-explicit-any -- kysely: migrations are frozen in time, so they take Kysely<any> */
/**
 * The first schema: flows (typed columns for what the table shows and filters use, the full record as
 * jsonb), bodies (content-addressed by sha256), sensors (last heartbeat), dead letters and the audit
 * log. Plain SQL only: it must run on PostgreSQL 15 and on PGlite (embedded), so no extensions here.
 * Frozen in time like every migration: later changes go in new files, never edits to this one.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  // One row per captured exchange. `id` is the sensor's UUIDv7; `started_at` is epoch ms with the
  // sub-millisecond fraction (double precision keeps JS numbers exactly), so the API's newest-first
  // keyset (started_at, id) is an index range scan.
  await sql`
    CREATE TABLE flows (
      id uuid PRIMARY KEY,
      sensor_id text NOT NULL,
      mode text NOT NULL,
      started_at double precision NOT NULL,
      duration double precision,
      method text NOT NULL,
      url text NOT NULL,
      host text NOT NULL,
      path text NOT NULL,
      status integer,
      content_type text,
      response_size bigint,
      tls boolean NOT NULL,
      client_ip text NOT NULL,
      server_ip text,
      error_kind text,
      request_body_sha256 text,
      response_body_sha256 text,
      record jsonb NOT NULL,
      received_at timestamptz NOT NULL DEFAULT now()
    )`.execute(db);
  await sql`CREATE INDEX flows_started_idx ON flows (started_at DESC, id DESC)`.execute(db);
  await sql`CREATE INDEX flows_sensor_started_idx ON flows (sensor_id, started_at DESC, id DESC)`.execute(
    db,
  );
  // Hash pivots (sha256 → every flow that carried it); partial, most flows have no request body.
  await sql`CREATE INDEX flows_request_body_idx ON flows (request_body_sha256) WHERE request_body_sha256 IS NOT NULL`.execute(
    db,
  );
  await sql`CREATE INDEX flows_response_body_idx ON flows (response_body_sha256) WHERE response_body_sha256 IS NOT NULL`.execute(
    db,
  );

  // Body bytes as captured (still content-encoded), stored once per distinct content.
  await sql`
    CREATE TABLE bodies (
      sha256 text PRIMARY KEY CHECK (sha256 ~ '^[0-9a-f]{64}$'),
      len bigint NOT NULL CHECK (len >= 0),
      data bytea NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    )`.execute(db);

  await sql`
    CREATE TABLE sensors (
      id text PRIMARY KEY,
      first_seen timestamptz NOT NULL DEFAULT now(),
      last_seen timestamptz NOT NULL,
      heartbeat jsonb NOT NULL,
      ca_pem text,
      ca_sha256 text
    )`.execute(db);
  await sql`CREATE INDEX sensors_last_seen_idx ON sensors (last_seen DESC)`.execute(db);

  // Messages that could not be stored (bad JSON, bad schema, wrong sensor, bad body), kept whole so
  // an operator can inspect or replay them.
  await sql`
    CREATE TABLE dead_letters (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      received_at timestamptz NOT NULL DEFAULT now(),
      subject text NOT NULL,
      reason text NOT NULL,
      payload bytea NOT NULL,
      stream_seq bigint,
      delivery_count integer
    )`.execute(db);
  await sql`CREATE INDEX dead_letters_received_idx ON dead_letters (received_at DESC)`.execute(db);

  await sql`
    CREATE TABLE audit_log (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      at timestamptz NOT NULL DEFAULT now(),
      actor text NOT NULL,
      action text NOT NULL,
      detail jsonb NOT NULL DEFAULT '{}'::jsonb
    )`.execute(db);
  await sql`CREATE INDEX audit_log_at_idx ON audit_log (at DESC)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['audit_log', 'dead_letters', 'sensors', 'bodies', 'flows']) {
    await sql`DROP TABLE IF EXISTS ${sql.table(table)}`.execute(db);
  }
}
