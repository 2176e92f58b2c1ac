/**
 * The fast way a batch reaches PostgreSQL: binary COPY straight into `bodies` and `flows` on one
 * pooled connection, in one transaction. COPY has no ON CONFLICT, so it is only the first attempt:
 * bodies already stored are looked up first and left out, and if a row still collides (a redelivered
 * flow, or another analyzer committing the same body meanwhile) the transaction is rolled back and
 * the caller writes the batch again with the idempotent statements (`'conflict'`). Measured here:
 * PostgreSQL spends about half the CPU per flow on COPY that it spends on INSERT … SELECT … ON
 * CONFLICT (BENCHMARKS.md, Ingest).
 */
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { sqlState } from '../db/pg-errors.js';
import { BinaryCopyEncoder } from './binary-copy-encoder.js';
import { FLOW_COLUMN_LIST, FLOW_COPY_TYPES, flowCopyValues } from './flow-row.js';
import type { DeadLetter } from './ingest-item.js';
import type { BodyRow, PreparedFlow } from './prepare-flow.js';
import { MissingBodyError } from './missing-body-error.js';

export interface CopyBatch {
  /** Distinct bodies with their bytes. */
  bodies: readonly BodyRow[];
  /** sha256 of bodies the flows rely on without bytes: they must already be stored. */
  assumed: readonly string[];
  flows: readonly PreparedFlow[];
  deadLetters: readonly DeadLetter[];
}

const UNIQUE_VIOLATION = '23505';

function copyIn(client: pg.PoolClient, text: string, data: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const stream = client.query(copyFrom(text));
    stream.on('finish', () => resolve());
    stream.on('error', reject);
    stream.end(data);
  });
}

/** The ids of the stored flows (all of them: COPY either stores every row or none), or 'conflict'. */
export async function writeBatchByCopy(
  pool: pg.Pool,
  batch: CopyBatch,
): Promise<string[] | 'conflict'> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    try {
      const wanted = [...batch.bodies.map((b) => b.sha256), ...batch.assumed];
      const present = new Set<string>();
      if (wanted.length > 0) {
        const { rows } = await client.query<{ sha256: string }>(
          'SELECT sha256 FROM bodies WHERE sha256 = ANY($1::text[])',
          [wanted],
        );
        for (const r of rows) present.add(r.sha256);
      }
      const missing = batch.assumed.filter((sha) => !present.has(sha));
      if (missing.length > 0)
        throw new MissingBodyError(`bodies not stored: ${missing.join(', ')}`);
      const fresh = batch.bodies.filter((b) => !present.has(b.sha256));
      if (fresh.length > 0) {
        const bytes = fresh.reduce((n, b) => n + b.data.byteLength + 90, 64);
        const bodies = new BinaryCopyEncoder(['text', 'int8', 'bytea'], bytes);
        for (const b of fresh) bodies.row([b.sha256, b.data.byteLength, b.data]);
        await copyIn(
          client,
          'COPY bodies (sha256, len, data) FROM STDIN (FORMAT binary)',
          bodies.finish(),
        );
      }
      for (const l of batch.deadLetters) {
        await client.query(
          'INSERT INTO dead_letters (subject, reason, payload, stream_seq, delivery_count) VALUES ($1, $2, $3, $4, $5)',
          [
            l.subject.slice(0, 1024),
            // Reasons may quote attacker text (a JSON key): keep them short and storable.
            l.reason.replaceAll('\u0000', '\ufffd').slice(0, 2000),
            Buffer.from(l.payload.buffer, l.payload.byteOffset, l.payload.byteLength),
            l.streamSeq ?? null,
            l.deliveryCount ?? null,
          ],
        );
      }
      if (batch.flows.length > 0) {
        const bytes = batch.flows.reduce((n, f) => n + f.recordJson.length * 1.2 + 600, 64);
        const flows = new BinaryCopyEncoder(FLOW_COPY_TYPES, Math.ceil(bytes));
        for (const f of batch.flows) flows.row(flowCopyValues(f.row, f.recordJson));
        await copyIn(
          client,
          `COPY flows (${FLOW_COLUMN_LIST}) FROM STDIN (FORMAT binary)`,
          flows.finish(),
        );
      }
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch((rollbackErr: unknown) => {
        broken = rollbackErr instanceof Error ? rollbackErr : new Error(String(rollbackErr));
      });
      if (sqlState(err) === UNIQUE_VIOLATION) return 'conflict';
      throw err;
    }
    return batch.flows.map((f) => f.id);
  } catch (err) {
    // A connection that failed mid-transaction is not handed back to the pool.
    if (sqlState(err) === undefined && !(err instanceof MissingBodyError))
      broken ??= err instanceof Error ? err : new Error(String(err));
    throw err;
  } finally {
    client.release(broken);
  }
}
