/**
 * The flow store over kysely (PostgreSQL or PGlite): batched idempotent ingest and the API's queries.
 * A batch is one transaction of a few statements whatever its size — bodies as multi-row VALUES,
 * flows through one jsonb_to_recordset — and ON CONFLICT DO NOTHING on ids and sha256 makes
 * redelivery and replay change nothing. Only flows new to the database come back as summaries.
 */
import { sql, type Kysely, type Transaction } from 'kysely';
import {
  FLOW_PAGE_MAX,
  flowRecordCodec,
  type BodyMeta,
  type FlowPage,
  type FlowRecord,
  type FlowSummary,
  type FilterNode,
  type FlowSortKey,
  type HeaderPairs,
  RELATED_MAX,
  headerValue,
} from '@honeyproxy/protocol';
import type { Logger } from '@honeyproxy/common';
import type { Database } from '../db/database.js';
import { decodeCursor, encodeCursor, InvalidCursorError } from './cursor.js';
import { filterToSql } from './filter-sql.js';
import { SORT_KEYS } from './sort-keys.js';
import type { DeadLetter, IngestItem } from './ingest-item.js';
import { prepareFlow, type BodyRow, type PreparedFlow } from './prepare-flow.js';

/** Ref bodies a batch relies on are not stored (the caller skipped fetching them wrongly). */
export class MissingBodyError extends Error {
  override readonly name = 'MissingBodyError';
}

export interface StoredBody {
  meta: NonNullable<BodyMeta>;
  /** The captured bytes; undefined if they are not in the database. */
  data: Uint8Array | undefined;
  /** Headers of the same side (for Content-Encoding). */
  headers: HeaderPairs;
}

export type RelatedKind = 'earlier-content' | 'redirect-target';

/** How long after a redirect its follow-up request is looked for. */
const REDIRECT_WINDOW_MS = 5 * 60_000;

/** The absolute URL a Location header points to (relative to the request URL), without fragment. */
export function resolveLocation(location: string, base: string): string | undefined {
  try {
    const url = new URL(location, base);
    url.hash = '';
    return url.href;
  } catch {
    return undefined;
  }
}

export interface ListOptions {
  limit: number;
  cursor?: string | undefined;
  /** Instead of a cursor: the rows after / before this flow in the sort order. */
  anchor?: { direction: 'after' | 'before'; id: string } | undefined;
  sort?: FlowSortKey | undefined;
  dir?: 'asc' | 'desc' | undefined;
  /** A parsed filter expression; null or undefined: every flow. */
  filter?: FilterNode | null | undefined;
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

// Keeps each bodies statement to a bounded size (rows and bytes).
const BODY_CHUNK_ROWS = 500;
const BODY_CHUNK_BYTES = 32 * 1024 * 1024;

const FLOW_COLUMNS = sql.raw(
  'id, sensor_id, mode, started_at, duration, method, url, host, path, status, content_type, sniffed_type, response_size, tls, ' +
    'client_ip, server_ip, host_mismatch, error_kind, request_body_sha256, response_body_sha256, record',
);
const RECORDSET_TYPES = sql.raw(
  'id uuid, sensor_id text, mode text, started_at double precision, duration double precision, method text, ' +
    'url text, host text, path text, status integer, content_type text, sniffed_type text, response_size bigint, tls boolean, ' +
    'client_ip text, server_ip text, host_mismatch boolean, error_kind text, request_body_sha256 text, response_body_sha256 text, record jsonb',
);

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

const SUMMARY_COLUMNS = [
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

interface SummaryRow {
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
  sniffed_type: string | null;
  tls: boolean;
  client_ip: string;
  server_ip: string | null;
  host_mismatch: boolean;
  error_kind: string | null;
  size: number | null;
}

function toSummary(r: SummaryRow): FlowSummary {
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

export function createFlowStore(options: { db: Kysely<Database>; log: Logger }): FlowStore {
  const { db, log } = options;

  async function commit(batch: {
    flows: readonly PreparedFlow[];
    deadLetters?: readonly DeadLetter[];
  }): Promise<FlowSummary[]> {
    const { flows } = batch;
    const deadLetters = batch.deadLetters ?? [];
    if (flows.length === 0 && deadLetters.length === 0) return [];
    const bodies = new Map<string, BodyRow>();
    const assumed = new Set<string>();
    for (const f of flows) {
      for (const b of f.bodies) bodies.set(b.sha256, b);
      for (const sha of f.assumedBodies) assumed.add(sha);
    }
    for (const sha of bodies.keys()) assumed.delete(sha);

    const inserted = await db.transaction().execute(async (trx) => {
      for (const chunk of chunkBodies([...bodies.values()])) {
        // Multi-row VALUES with binary parameters: measured faster here than unnest(bytea[]) or
        // base64 through jsonb, which both turn the bytes into text on the way.
        await trx
          .insertInto('bodies')
          .values(chunk.map((b) => ({ sha256: b.sha256, len: b.data.byteLength, data: b.data })))
          .onConflict((oc) => oc.column('sha256').doNothing())
          .execute();
      }
      if (assumed.size > 0) {
        const present = await existingIn(trx, [...assumed]);
        const missing = [...assumed].filter((sha) => !present.has(sha));
        if (missing.length > 0)
          throw new MissingBodyError(`bodies not stored: ${missing.join(', ')}`);
      }
      await insertDeadLettersIn(trx, deadLetters);
      if (flows.length === 0) return [];
      // One statement for the whole batch: the rows travel as one JSON array (a text parameter, so
      // node-postgres and PGlite pass it alike), typed by the recordset's column list.
      const json = `[${flows.map((f) => f.rowJson).join(',')}]`;
      const { rows } = await sql<{ id: string }>`
        INSERT INTO flows (${FLOW_COLUMNS})
        SELECT ${FLOW_COLUMNS} FROM jsonb_to_recordset(${json}::text::jsonb) AS x(${RECORDSET_TYPES})
        ON CONFLICT (id) DO NOTHING
        RETURNING id`.execute(trx);
      return rows.map((r) => r.id);
    });
    const byId = new Map(flows.map((f) => [f.id, f.summary]));
    const summaries = inserted.flatMap((id) => byId.get(id) ?? []);
    log.debug(
      { flows: flows.length, inserted: summaries.length, deadLetters: deadLetters.length },
      'batch committed',
    );
    return summaries;
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
    insertDeadLetters: (letters) => insertDeadLettersIn(db, letters),
    existingBodies: async (shas) =>
      shas.length === 0 ? new Set() : existingIn(db, [...new Set(shas)]),

    async list(options) {
      const n = Math.max(1, Math.min(FLOW_PAGE_MAX, Math.floor(options.limit)));
      const sortKey = options.sort ?? 'start';
      const dir = options.dir ?? 'desc';
      const spec = SORT_KEYS[sortKey];
      let cursor = options.cursor === undefined ? undefined : decodeCursor(options.cursor);
      if (options.anchor) {
        // A flow id as the page boundary: its own sort value becomes the keyset position.
        const row = await db
          .selectFrom('flows')
          .select(sql<string | number | boolean>`${spec.expression}`.as('v'))
          .where('id', '=', options.anchor.id)
          .executeTakeFirst();
        if (!row) throw new InvalidCursorError('the anchor flow does not exist');
        const value = spec.kind === 'number' ? Number(row.v) : row.v;
        cursor = {
          direction: options.anchor.direction,
          sort: sortKey,
          value,
          id: options.anchor.id,
        };
      }
      if (cursor && cursor.sort !== sortKey)
        throw new InvalidCursorError(`cursor is for sort "${cursor.sort}", not "${sortKey}"`);
      const backward = cursor?.direction === 'before';
      // Reading backward walks the index the other way and flips the page afterwards.
      const readAsc = (dir === 'asc') !== backward;
      const order = sql.raw(readAsc ? 'ASC' : 'DESC');
      const rows = await db
        .selectFrom('flows')
        .select([
          ...SUMMARY_COLUMNS,
          sql<string | number | boolean>`${spec.expression}`.as('sort_value'),
        ])
        .$if(cursor !== undefined, (qb) =>
          qb.where(
            sql<boolean>`(${spec.expression}, id) ${sql.raw(readAsc ? '>' : '<')} (${spec.param(cursor?.value ?? 0)}, ${cursor?.id}::uuid)`,
          ),
        )
        .$if(options.filter !== undefined, (qb) =>
          qb.where(options.filter ? filterToSql(options.filter) : sql<boolean>`TRUE`),
        )
        .orderBy(sql`${spec.expression} ${order}`)
        .orderBy(sql`id ${order}`)
        .limit(n + 1)
        .execute();
      const more = rows.length > n;
      const page = rows.slice(0, n);
      if (backward) page.reverse();
      const keyOf = (r: (typeof page)[number]) => ({
        value: spec.kind === 'number' ? Number(r.sort_value) : r.sort_value,
        id: r.id,
      });
      const first = page[0];
      const last = page.at(-1);
      const at = (
        direction: 'after' | 'before',
        key: { value: string | number | boolean; id: string },
      ) => encodeCursor({ direction, sort: sortKey, ...key });
      let next: string | null;
      let prev: string | null;
      if (backward) {
        prev = more && first ? at('before', keyOf(first)) : null;
        next = last ? at('after', keyOf(last)) : cursor ? at('after', cursor) : null;
      } else {
        next = more && last ? at('after', keyOf(last)) : null;
        prev =
          cursor === undefined ? null : first ? at('before', keyOf(first)) : at('before', cursor);
      }
      return { flows: page.map(toSummary), next, prev };
    },

    get,

    async related(id, kind) {
      const record = await get(id);
      if (!record) return undefined;
      const base = db
        .selectFrom('flows')
        .select(SUMMARY_COLUMNS)
        .where('id', '<>', id)
        .limit(RELATED_MAX);
      if (kind === 'earlier-content') {
        const rows = await base
          .where('url', '=', record.request.url)
          .where('started_at', '<', record.ts.start)
          .where('status', '>=', 200)
          .where('status', '<', 300)
          .where(sql<boolean>`coalesce(response_size, 0) > 0`)
          .orderBy('started_at', 'desc')
          .execute();
        return rows.map(toSummary);
      }
      const location = record.response
        ? headerValue(record.response.headers, 'location')
        : undefined;
      const target = location ? resolveLocation(location, record.request.url) : undefined;
      if (target === undefined) return [];
      // The same client's follow-up first, then anyone's, in time order.
      const rows = await base
        .where('url', '=', target)
        .where('started_at', '>=', record.ts.start)
        .where('started_at', '<=', record.ts.start + REDIRECT_WINDOW_MS)
        .orderBy(sql`(client_ip = ${record.client.ip})`, 'desc')
        .orderBy('started_at', 'asc')
        .execute();
      return rows.map(toSummary);
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
