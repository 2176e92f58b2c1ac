/**
 * Fetches out-of-line bodies from the BODIES object store, a few at a time. Sensors write the
 * objects (chunks, then a meta record) and any sensor can write a meta record for any name, so
 * nothing in the store is trusted: a meta record counts only if it is a plain object (no link,
 * not deleted) whose digest is the SHA-256 its name says, whose size fits, and whose chunks —
 * exactly `chunks` of them, all stored before the meta record, so chunks appended later cannot
 * spoil it — hash to that name. Several sensors may store the same body: the newest meta record
 * wins; if it is bogus (a malicious sensor), the older ones are tried, so a bogus record cannot
 * hide a body an honest sensor stored. Each result says what happened so ingest can decide per
 * flow: store it, wait for the body (nak), store the flow without it (bad), or give up.
 * Reads are single direct gets, never consumers, so a record naming chunks that do not exist
 * cannot make a read hang.
 */
import type { JetStreamManager, StoredMsg } from '@nats-io/jetstream';
import { createHash } from 'node:crypto';
import { BODIES_STREAM, bodyChunkSubject, bodyDigest, bodyMetaSubject } from '@honeyproxy/protocol';

export type FetchedBody =
  | { kind: 'ok'; data: Uint8Array }
  /** No such object (not uploaded yet, or expired). */
  | { kind: 'missing' }
  /** The object is larger than the configured maximum. */
  | { kind: 'too-large'; size: number }
  /** Meta records exist, but none names chunks that are this body (bogus or damaged). */
  | { kind: 'bad'; reason: string }
  /** NATS failed: try again later. */
  | { kind: 'error'; message: string };

/** Meta records of one name looked at, at most, when the newest is bad. */
const MAX_META_RECORDS = 32;

export async function fetchBodies(
  jsm: JetStreamManager,
  shas: readonly string[],
  options: { maxBytes: number; concurrency?: number },
): Promise<Map<string, FetchedBody>> {
  const results = new Map<string, FetchedBody>();
  const queue = [...new Set(shas)];
  const worker = async () => {
    for (let sha = queue.shift(); sha !== undefined; sha = queue.shift()) {
      results.set(sha, await fetchOne(jsm, sha, options.maxBytes));
    }
  };
  await Promise.all(
    Array.from({ length: Math.min(options.concurrency ?? 4, queue.length) }, worker),
  );
  return results;
}

async function fetchOne(
  jsm: JetStreamManager,
  sha: string,
  maxBytes: number,
): Promise<FetchedBody> {
  try {
    const subject = bodyMetaSubject(sha);
    const newest = await jsm.direct.getMessage(BODIES_STREAM, { last_by_subj: subject });
    if (newest === null) return { kind: 'missing' };
    const first = await readObject(jsm, sha, newest, maxBytes);
    if (first.kind !== 'bad') return first;
    // The newest record is bogus: an older one (another sensor's upload) may still be good.
    for (let seq = 1, n = 0; n < MAX_META_RECORDS; n++) {
      const m = await jsm.direct.getMessage(BODIES_STREAM, { seq, next_by_subj: subject });
      if (m === null || m.seq >= newest.seq) break;
      const r = await readObject(jsm, sha, m, maxBytes);
      if (r.kind !== 'bad') return r;
      seq = m.seq + 1;
    }
    return first;
  } catch (err) {
    return { kind: 'error', message: err instanceof Error ? err.message : String(err) };
  }
}

interface Meta {
  nuid: string;
  size: number;
  chunks: number;
  digest: string;
}

function parseMeta(m: StoredMsg, sha: string): Meta | string {
  let v: unknown;
  try {
    v = m.json();
  } catch {
    return 'meta record is not JSON';
  }
  if (typeof v !== 'object' || v === null) return 'meta record is not an object';
  const r = v as Record<string, unknown>;
  if (r['deleted'] === true) return 'object deleted';
  const options = r['options'];
  if (typeof options === 'object' && options !== null && 'link' in options && options.link)
    return 'meta record is a link';
  const { nuid, size, chunks, digest } = r;
  if (typeof nuid !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(nuid)) return 'bad nuid';
  if (!Number.isSafeInteger(size) || (size as number) < 0) return 'bad size';
  if (!Number.isSafeInteger(chunks) || (chunks as number) < 0) return 'bad chunk count';
  const expected = bodyDigest(sha);
  if (digest !== expected) return `digest ${String(digest).slice(0, 80)} is not the name's`;
  return { nuid, size: size as number, chunks: chunks as number, digest };
}

async function readObject(
  jsm: JetStreamManager,
  sha: string,
  metaMsg: StoredMsg,
  maxBytes: number,
): Promise<FetchedBody> {
  const meta = parseMeta(metaMsg, sha);
  if (typeof meta === 'string') return { kind: 'bad', reason: meta };
  if (meta.size > maxBytes) return { kind: 'too-large', size: meta.size };
  const subject = bodyChunkSubject(meta.nuid);
  const data = new Uint8Array(meta.size);
  const hash = createHash('sha256');
  let at = 0;
  let seq = 1;
  for (let i = 0; i < meta.chunks; i++) {
    const m = await jsm.direct.getMessage(BODIES_STREAM, { seq, next_by_subj: subject });
    // chunks stored after the meta record are not the ones it describes
    if (m === null || m.seq > metaMsg.seq) return { kind: 'bad', reason: 'chunks missing' };
    if (at + m.data.length > meta.size) return { kind: 'bad', reason: 'chunks exceed size' };
    data.set(m.data, at);
    hash.update(m.data);
    at += m.data.length;
    seq = m.seq + 1;
  }
  if (at !== meta.size) return { kind: 'bad', reason: 'chunks short of size' };
  if (hash.digest('hex') !== sha) return { kind: 'bad', reason: 'chunks do not hash to the name' };
  return { kind: 'ok', data };
}
