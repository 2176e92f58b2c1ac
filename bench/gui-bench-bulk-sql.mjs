/**
 * Fast bulk rows for the GUI benchmark (which measures the GUI, not the insert path): a seed of
 * SEED flows goes through the store as usual (tests/src/testing/bulk-flows.ts), then PostgreSQL
 * copies it into `count` rows with generate_series — new ids (UUIDv7-shaped, time-ordered like the
 * sensor's), start times 1 ms apart, `?n=` in the URL, the record's flowId and ts.start patched —
 * with the flows indexes dropped during the copy and built again after (much faster than
 * maintaining a dozen indexes row by row). Rows look like the store's to the list API.
 */
import { performance } from 'node:perf_hooks';
import pg from 'pg';

const SEED = 10_000;

/**
 * Adds `count` flows (numbered from `offset`) starting at `startMs`, 1 ms apart; returns the ms taken.
 * `insertBulkFlows` is the store path from tests/dist/testing/bulk-flows.js (for the seed).
 */
export async function insertBulkFlowsSql(databaseUrl, count, insertBulkFlows, options = {}) {
  const startMs = options.startMs ?? Date.now() - count - 60_000;
  const offset = options.offset ?? 0;
  const t0 = performance.now();
  const seed = Math.min(SEED, count);
  // Flow number n (offset ≤ n < offset + count) starts at base + n, as bulk-flows.ts numbers them;
  // the seed is the newest `seed` flows of the range.
  const base = startMs - offset;
  await insertBulkFlows(databaseUrl, seed, { startMs: base, offset: offset + count - seed });
  const rest = count - seed;
  if (rest <= 0) return performance.now() - t0;
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows: indexes } = await client.query(
      "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'flows' AND indexname <> 'flows_pkey'",
    );
    await client.query('BEGIN');
    for (const { indexname } of indexes) await client.query(`DROP INDEX ${indexname}`);
    // Copy k = 1..ceil(rest/seed) times, each copy `seed` ms older, only the numbers in range.
    await client.query(
      `INSERT INTO flows (id, sensor_id, mode, started_at, duration, method, url, host, path, status,
         content_type, response_size, tls, client_ip, server_ip, error_kind, request_body_sha256,
         response_body_sha256, record, sniffed_type, host_mismatch)
       SELECT v.id, f.sensor_id, f.mode, v.start, f.duration, f.method,
         regexp_replace(f.url, '\\?n=\\d+$', '?n=' || v.n), f.host,
         regexp_replace(f.path, '\\?n=\\d+$', '?n=' || v.n), f.status, f.content_type,
         f.response_size, f.tls, f.client_ip, f.server_ip, f.error_kind, f.request_body_sha256,
         f.response_body_sha256,
         jsonb_set(jsonb_set(f.record, '{flowId}', to_jsonb(v.id::text)), '{ts,start}', to_jsonb(v.start)),
         f.sniffed_type, f.host_mismatch
       FROM flows f
       CROSS JOIN generate_series(1, $1::int) AS k
       CROSS JOIN LATERAL (
         SELECT f.started_at - k * $2::bigint AS start,
                (regexp_replace(f.url, '^.*\\?n=(\\d+)$', '\\1'))::bigint - k * $2::bigint AS n
       ) AS s
       CROSS JOIN LATERAL (
         SELECT s.start, s.n, (lpad(to_hex(floor(s.start)::bigint), 12, '0') || '7' ||
           lpad(to_hex(k % 4096), 3, '0') || '8' || substr(md5(f.id::text || k), 1, 15))::uuid AS id
       ) AS v
       WHERE v.n >= $3::bigint`,
      [Math.ceil(rest / seed), seed, offset],
    );
    for (const { indexdef } of indexes) await client.query(indexdef);
    await client.query('COMMIT');
    await client.query('ANALYZE flows');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    await client.end();
  }
  return performance.now() - t0;
}
