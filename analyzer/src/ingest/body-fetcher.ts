/**
 * Fetches out-of-line bodies from the BODIES object store, a few at a time, checking the object's
 * size before reading it. Each result says what happened so ingest can decide per flow: store it,
 * wait for the body (nak), or give up (dead letter). The sha256 itself is verified by the store.
 */
import type { ObjectStore } from '@nats-io/obj';

export type FetchedBody =
  | { kind: 'ok'; data: Uint8Array }
  /** No such object (not uploaded yet, or expired). */
  | { kind: 'missing' }
  /** The object is larger than the configured maximum. */
  | { kind: 'too-large'; size: number }
  /** NATS failed: try again later. */
  | { kind: 'error'; message: string };

export async function fetchBodies(
  store: ObjectStore,
  shas: readonly string[],
  options: { maxBytes: number; concurrency?: number },
): Promise<Map<string, FetchedBody>> {
  const results = new Map<string, FetchedBody>();
  const queue = [...new Set(shas)];
  const worker = async () => {
    for (let sha = queue.shift(); sha !== undefined; sha = queue.shift()) {
      results.set(sha, await fetchOne(store, sha, options.maxBytes));
    }
  };
  await Promise.all(
    Array.from({ length: Math.min(options.concurrency ?? 4, queue.length) }, worker),
  );
  return results;
}

async function fetchOne(store: ObjectStore, sha: string, maxBytes: number): Promise<FetchedBody> {
  try {
    const info = await store.info(sha);
    if (info === null || info.deleted) return { kind: 'missing' };
    if (info.size > maxBytes) return { kind: 'too-large', size: info.size };
    const data = await store.getBlob(sha);
    return data === null ? { kind: 'missing' } : { kind: 'ok', data };
  } catch (err) {
    return { kind: 'error', message: err instanceof Error ? err.message : String(err) };
  }
}
