/**
 * The flow store over kysely (PostgreSQL or PGlite): batched idempotent ingest (written by
 * flow-batch-writer.ts: one transaction per batch, redelivery and replay change nothing) and the
 * API's queries. Only flows new to the database come back as summaries.
 */
import { sql, type Kysely } from 'kysely';
import {
  flowRecordCodec,
  type BodyMeta,
  type FlowPage,
  type FlowRecord,
  type FlowSummary,
  type HeaderPairs,
} from '@honeyproxy/protocol';
import type { Logger } from '@honeyproxy/common';
import type { Database } from '../db/database.js';
import type { DeadLetter, IngestItem } from './ingest-item.js';
import { prepareFlow, type PreparedFlow } from './prepare-flow.js';
import { createFlowBatchWriter } from './flow-batch-writer.js';
import { FILTER_TIMEOUT_MS, listFlows, type ListOptions } from './list-flows.js';
import { relatedFlows, type RelatedKind } from './related-flows.js';

export { MissingBodyError } from './missing-body-error.js';
export { FILTER_TIMEOUT_MS, FilterTimeoutError, type ListOptions } from './list-flows.js';
export { resolveLocation, type RelatedKind } from './related-flows.js';

export interface StoredBody {
  meta: NonNullable<BodyMeta>;
  /** The captured bytes; undefined if they are not in the database. */
  data: Uint8Array | undefined;
  /** Headers of the same side (for Content-Encoding). */
  headers: HeaderPairs;
}

export interface FlowStore {
  /** Validates and converts one flow (throws InvalidFlowError); pure, no I/O. */
  prepare(item: IngestItem): PreparedFlow;
  /** Stores prepared flows and dead letters in one transaction; returns summaries of new flows. */
  commit(batch: {
    flows: readonly PreparedFlow[];
    deadLetters?: readonly DeadLetter[];
  }): Promise<FlowSummary[]>;
  /** prepare + commit. */
  insertBatch(items: readonly IngestItem[]): Promise<FlowSummary[]>;
  insertDeadLetters(letters: readonly DeadLetter[]): Promise<void>;
  /** Which of these sha256 are already stored (so their bytes need not be fetched again). */
  existingBodies(shas: readonly string[]): Promise<Set<string>>;
  /**
   * One page of summaries in `sort`/`dir` order (default: newest first), optionally filtered;
   * `cursor` from a previous page's `next` or `prev`. Throws InvalidCursorError.
   */
  list(options: ListOptions): Promise<FlowPage>;
  get(id: string): Promise<FlowRecord | undefined>;
  /**
   * The 2012 helpers: `earlier-content` — earlier 2xx flows with a body for the same URL (what a 304
   * revalidated); `redirect-target` — the requests to this flow's Location that followed it.
   * undefined when the flow does not exist.
   */
  related(id: string, kind: RelatedKind): Promise<FlowSummary[] | undefined>;
  /** One side's body; undefined when the flow or that body does not exist. */
  body(id: string, side: 'request' | 'response'): Promise<StoredBody | undefined>;
  /** True when the database answers (within 2 s). */
  ping(): Promise<boolean>;
}

export function createFlowStore(options: {
  db: Kysely<Database>;
  log: Logger;
  /** statement_timeout of filtered list queries (default FILTER_TIMEOUT_MS). */
  filterTimeoutMs?: number;
}): FlowStore {
  const { db, log } = options;
  const filterTimeoutMs = options.filterTimeoutMs ?? FILTER_TIMEOUT_MS;

  const writer = createFlowBatchWriter({ db, log });

  async function commit(batch: {
    flows: readonly PreparedFlow[];
    deadLetters?: readonly DeadLetter[];
  }): Promise<FlowSummary[]> {
    const inserted = await writer.commit(batch);
    const byId = new Map(batch.flows.map((f) => [f.id, f.summary]));
    const summaries = inserted.flatMap((id) => byId.get(id) ?? []);
    log.debug(
      {
        flows: batch.flows.length,
        inserted: summaries.length,
        deadLetters: batch.deadLetters?.length ?? 0,
      },
      'batch committed',
    );
    return summaries;
  }

  async function get(id: string): Promise<FlowRecord | undefined> {
    const row = await db
      .selectFrom('flows')
      .select('record')
      .where('id', '=', id)
      .executeTakeFirst();
    return row === undefined ? undefined : flowRecordCodec.decode(row.record);
  }

  return {
    prepare: prepareFlow,
    commit,
    insertBatch: (items) => commit({ flows: items.map(prepareFlow) }),
    insertDeadLetters: (letters) => writer.insertDeadLetters(letters),
    existingBodies: (shas) => writer.existingBodies(shas),

    list: (options) => listFlows(db, options, filterTimeoutMs),

    get,

    async related(id, kind) {
      const record = await get(id);
      return record ? relatedFlows(db, id, record, kind) : undefined;
    },

    async body(id, side) {
      const record = await get(id);
      const part = side === 'request' ? record?.request : record?.response;
      const meta = part?.body;
      if (!part || !meta) return undefined;
      const row = await db
        .selectFrom('bodies')
        .select('data')
        .where('sha256', '=', meta.sha256)
        .executeTakeFirst();
      return { meta, data: row?.data, headers: part.headers };
    },

    async ping() {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), 2000);
      });
      const probe = sql`SELECT 1`.execute(db).then(
        () => true,
        () => false,
      );
      try {
        return await Promise.race([probe, timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
