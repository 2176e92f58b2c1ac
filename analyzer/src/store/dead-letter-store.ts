/**
 * Dead letters for admins: the messages ingest could not store, newest first, with a short base64
 * preview of the payload (attacker-controlled bytes, never interpreted) and the whole payload as a
 * download. Read-only: a dead letter is evidence of what arrived, kept until an operator deletes it.
 */
import { sql, type Kysely } from 'kysely';
import {
  DEAD_LETTER_PAGE_MAX,
  DEAD_LETTER_PREVIEW_BYTES,
  type DeadLetterPage,
} from '@honeyproxy/protocol';
import type { Database } from '../db/database.js';

export interface DeadLetterStore {
  /** Newest first; `before` is the previous page's `next`. */
  list(options: { limit: number; before?: number | undefined }): Promise<DeadLetterPage>;
  /** The whole payload of one dead letter, undefined if there is none with this id. */
  payload(id: number): Promise<Uint8Array | undefined>;
}

export function createDeadLetterStore(options: { db: Kysely<Database> }): DeadLetterStore {
  const { db } = options;
  return {
    async list({ limit, before }) {
      const n = Math.max(1, Math.min(DEAD_LETTER_PAGE_MAX, Math.floor(limit)));
      const rows = await db
        .selectFrom('dead_letters')
        .select([
          sql<string>`id::text`.as('id'),
          sql<number>`extract(epoch from received_at) * 1000`.as('received_ms'),
          'subject',
          'reason',
          sql<string | null>`stream_seq::text`.as('stream_seq'),
          'delivery_count',
          sql<number>`octet_length(payload)`.as('payload_len'),
          sql<Uint8Array>`substring(payload from 1 for ${DEAD_LETTER_PREVIEW_BYTES})`.as('preview'),
        ])
        .$if(before !== undefined, (qb) => qb.where('id', '<', String(before)))
        .orderBy('id', 'desc')
        .limit(n + 1)
        .execute();
      const total = await db
        .selectFrom('dead_letters')
        .select(sql<string>`count(*)::text`.as('n'))
        .executeTakeFirstOrThrow();
      const page = rows.slice(0, n);
      const last = page.at(-1);
      return {
        deadLetters: page.map((r) => ({
          id: Number(r.id),
          receivedAt: Number(r.received_ms),
          subject: r.subject,
          reason: r.reason,
          streamSeq: r.stream_seq === null ? null : Number(r.stream_seq),
          deliveryCount: r.delivery_count,
          payloadLen: Number(r.payload_len),
          payloadPreview: Buffer.from(r.preview).toString('base64'),
        })),
        total: Number(total.n),
        next: rows.length > n && last ? Number(last.id) : null,
      };
    },
    async payload(id) {
      const row = await db
        .selectFrom('dead_letters')
        .select('payload')
        .where('id', '=', String(id))
        .executeTakeFirst();
      return row?.payload;
    },
  };
}
