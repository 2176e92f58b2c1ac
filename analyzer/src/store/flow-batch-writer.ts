/**
 * Writing ingest batches: bodies, flows and dead letters of one batch in one transaction, returning
 * the flows that were new. On PostgreSQL (a kysely instance made by createDatabase, so its pg pool
 * is known) a batch first goes by binary COPY (write-batch-by-copy.ts); when a row is already stored
 * — redelivery, replay, another analyzer storing the same body — and on PGlite, it goes by the
 * idempotent statements below: bodies as multi-row VALUES, flows through one jsonb_to_recordset,
 * ON CONFLICT DO NOTHING on sha256 and id, so a duplicate changes nothing.
 */
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Logger } from '@honeyproxy/common';
import type { Database } from '../db/database.js';
import { poolOf } from '../db/create-database.js';
import { FLOW_COLUMNS_SQL, FLOW_RECORDSET_TYPES_SQL, flowRowJson } from './flow-row.js';
import type { DeadLetter } from './ingest-item.js';
import { MissingBodyError } from './missing-body-error.js';
import type { BodyRow, PreparedFlow } from './prepare-flow.js';
import { writeBatchByCopy, type CopyBatch } from './write-batch-by-copy.js';

export interface FlowBatchWriter {
  /** Stores prepared flows and dead letters in one transaction; returns the ids of new flows. */
  commit(batch: {
    flows: readonly PreparedFlow[];
    deadLetters?: readonly DeadLetter[];
  }): Promise<string[]>;
  insertDeadLetters(letters: readonly DeadLetter[]): Promise<void>;
  /** Which of these sha256 are already stored. */
  existingBodies(shas: readonly string[]): Promise<Set<string>>;
}

// Keeps each bodies statement to a bounded size (rows and bytes).
const BODY_CHUNK_ROWS = 500;
const BODY_CHUNK_BYTES = 32 * 1024 * 1024;

function chunkBodies(rows: readonly BodyRow[]): BodyRow[][] {
  const chunks: BodyRow[][] = [];
  let current: BodyRow[] = [];
  let bytes = 0;
  for (const row of rows) {
    if (
      current.length > 0 &&
      (current.length >= BODY_CHUNK_ROWS || bytes + row.data.byteLength > BODY_CHUNK_BYTES)
    ) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(row);
    bytes += row.data.byteLength;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

async function insertDeadLettersIn(
  db: Kysely<Database> | Transaction<Database>,
  letters: readonly DeadLetter[],
): Promise<void> {
  if (letters.length === 0) return;
  await db
    .insertInto('dead_letters')
    .values(
      letters.map((l) => ({
        subject: l.subject.slice(0, 1024),
        // Reasons may quote attacker text (a JSON key): keep them short and storable.
        reason: l.reason.replaceAll('\u0000', '\ufffd').slice(0, 2000),
        payload: l.payload,
        stream_seq: l.streamSeq ?? null,
        delivery_count: l.deliveryCount ?? null,
      })),
    )
    .execute();
}

async function existingIn(
  q: Kysely<Database> | Transaction<Database>,
  shas: readonly string[],
): Promise<Set<string>> {
  const found = new Set<string>();
  for (let i = 0; i < shas.length; i += 1000) {
    const rows = await q
      .selectFrom('bodies')
      .select('sha256')
      .where('sha256', 'in', shas.slice(i, i + 1000))
      .execute();
    for (const r of rows) found.add(r.sha256);
  }
  return found;
}

/** The idempotent path: works on PostgreSQL and PGlite, whatever is already stored. */
async function writeBatchByStatements(db: Kysely<Database>, batch: CopyBatch): Promise<string[]> {
  return db.transaction().execute(async (trx) => {
    for (const chunk of chunkBodies(batch.bodies)) {
      // Multi-row VALUES with binary parameters: measured faster here than unnest(bytea[]) or
      // base64 through jsonb, which both turn the bytes into text on the way.
      await trx
        .insertInto('bodies')
        .values(chunk.map((b) => ({ sha256: b.sha256, len: b.data.byteLength, data: b.data })))
        .onConflict((oc) => oc.column('sha256').doNothing())
        .execute();
    }
    if (batch.assumed.length > 0) {
      const present = await existingIn(trx, batch.assumed);
      const missing = batch.assumed.filter((sha) => !present.has(sha));
      if (missing.length > 0)
        throw new MissingBodyError(`bodies not stored: ${missing.join(', ')}`);
    }
    await insertDeadLettersIn(trx, batch.deadLetters);
    if (batch.flows.length === 0) return [];
    // One statement for the whole batch: the rows travel as one JSON array (a text parameter, so
    // node-postgres and PGlite pass it alike), typed by the recordset's column list.
    const json = `[${batch.flows.map((f) => flowRowJson(f.row, f.recordJson)).join(',')}]`;
    const { rows } = await sql<{ id: string }>`
      INSERT INTO flows (${FLOW_COLUMNS_SQL})
      SELECT ${FLOW_COLUMNS_SQL} FROM jsonb_to_recordset(${json}::text::jsonb) AS x(${FLOW_RECORDSET_TYPES_SQL})
      ON CONFLICT (id) DO NOTHING
      RETURNING id`.execute(trx);
    return rows.map((r) => r.id);
  });
}

export function createFlowBatchWriter(options: {
  db: Kysely<Database>;
  log: Logger;
}): FlowBatchWriter {
  const { db, log } = options;
  const pool = poolOf(db);
  let conflicts = 0;

  return {
    async commit({ flows, deadLetters = [] }) {
      if (flows.length === 0 && deadLetters.length === 0) return [];
      const bodies = new Map<string, BodyRow>();
      const assumed = new Set<string>();
      for (const f of flows) {
        for (const b of f.bodies) bodies.set(b.sha256, b);
        for (const sha of f.assumedBodies) assumed.add(sha);
      }
      for (const sha of bodies.keys()) assumed.delete(sha);
      const batch: CopyBatch = {
        bodies: [...bodies.values()],
        assumed: [...assumed],
        flows,
        deadLetters,
      };
      if (pool) {
        const ids = await writeBatchByCopy(pool, batch);
        if (ids !== 'conflict') return ids;
        conflicts++;
        log.debug(
          { flows: flows.length, conflicts },
          'batch holds stored rows; writing it idempotently',
        );
      }
      return writeBatchByStatements(db, batch);
    },
    insertDeadLetters: (letters) => insertDeadLettersIn(db, letters),
    existingBodies: async (shas) =>
      shas.length === 0 ? new Set() : existingIn(db, [...new Set(shas)]),
  };
}
