/**
 * Stores bodies in the BODIES object store with only the rights a sensor has: publish chunks and
 * meta records, and look up a meta record by its subject (a direct get). It writes exactly what
 * nats.js's ObjectStore writes — chunks on `$O.BODIES.C.<nuid>`, then an ObjectInfo JSON on
 * `$O.BODIES.M.<padded base64url of the name>` — so the analyzer reads the objects with the
 * usual client, but never uses the rollup header (the stream refuses it: a sensor could wipe the
 * store with one) nor reads a chunk or purges (a sensor may not: it could read or delete other
 * sensors' bodies). A body kept in a spool file is streamed from the file chunk by chunk, each
 * publish awaited, so a 64 MiB body never sits in memory on its way to NATS. The SHA-256 is
 * computed as the chunks go: bytes that are not the body the flow names (the file changed on disk)
 * count as damaged, like a file that is gone — the meta record is not written (the chunks stay
 * orphaned until the stream's limits drop them) and the flow is published without the body,
 * flagged, never retried forever.
 */
import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import type { JetStreamClient } from '@nats-io/jetstream';
import { Empty, nuid, type NatsConnection } from '@nats-io/transport-node';
import {
  BODIES_BUCKET,
  bodyChunkSubject,
  bodyDigest,
  bodyMetaLookupSubject,
  bodyMetaSubject,
} from '@honeyproxy/protocol';

/** nats.js's default chunk size (it also never exceeds the server's max_payload). */
const MAX_CHUNK = 128 * 1024;

/** The body file is missing or no longer holds the bytes the flow names. */
export class BodyFileGoneError extends Error {}

export interface BodyStore {
  /** True when a live meta record for `sha256` names that digest (so it need not be sent again). */
  has(sha256: string): Promise<boolean>;
  /** Uploads the body kept in file `path`, streaming it; BodyFileGoneError if it is not the body. */
  putFile(sha256: string, path: string): Promise<void>;
  /** Uploads a body held in memory. */
  putBytes(sha256: string, bytes: Uint8Array): Promise<void>;
}

export function createBodyStore(
  nc: NatsConnection,
  js: JetStreamClient,
  timeout: number,
): BodyStore {
  const chunkSize = () => Math.min(MAX_CHUNK, nc.info?.max_payload ?? MAX_CHUNK);

  /** Publishes chunks from `next()` (null at the end), then the meta record if the digest fits. */
  async function upload(
    sha256: string,
    next: (max: number) => Promise<Uint8Array | null>,
  ): Promise<boolean> {
    const id = nuid.next();
    const hash = createHash('sha256');
    const max = chunkSize();
    let size = 0;
    let chunks = 0;
    for (let chunk = await next(max); chunk !== null; chunk = await next(max)) {
      hash.update(chunk);
      size += chunk.length;
      chunks++;
      await js.publish(bodyChunkSubject(id), chunk, { timeout });
    }
    if (hash.digest('hex') !== sha256) return false;
    // The ObjectInfo nats.js writes (objectstore.js _put), key for key, minus the rollup header.
    const info = {
      bucket: BODIES_BUCKET,
      nuid: id,
      size,
      chunks,
      name: sha256,
      description: '',
      options: { max_chunk_size: max },
      mtime: new Date().toISOString(),
      digest: bodyDigest(sha256),
      deleted: false,
    };
    await js.publish(bodyMetaSubject(sha256), JSON.stringify(info), { timeout });
    return true;
  }

  return {
    async has(sha256) {
      const msg = await nc.request(bodyMetaLookupSubject(sha256), Empty, { timeout });
      // 404 (no such record) and 408 come back as a status without a body
      if (msg.data.length === 0) return false;
      let meta: unknown;
      try {
        meta = msg.json();
      } catch {
        return false; // not a meta record anyone could read: upload ours over it
      }
      return (
        typeof meta === 'object' &&
        meta !== null &&
        'digest' in meta &&
        meta.digest === bodyDigest(sha256) &&
        !('deleted' in meta && meta.deleted === true)
      );
    },

    async putFile(sha256, path) {
      let file;
      try {
        file = await open(path, 'r');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT')
          throw new BodyFileGoneError(`body file ${path} is gone`, { cause: err });
        throw err;
      }
      let ok: boolean;
      try {
        ok = await upload(sha256, async (max) => {
          // a fresh buffer per chunk: the client may still hold the previous one
          const buf = Buffer.allocUnsafe(max);
          let n = 0;
          while (n < max) {
            const { bytesRead } = await file.read(buf, n, max - n, null);
            if (bytesRead === 0) break;
            n += bytesRead;
          }
          return n === 0 ? null : buf.subarray(0, n);
        });
      } finally {
        await file.close();
      }
      if (!ok) throw new BodyFileGoneError(`body file ${path} does not hold the body it names`);
    },

    async putBytes(sha256, bytes) {
      let at = 0;
      const ok = await upload(sha256, (max) => {
        if (at >= bytes.length) return Promise.resolve(null);
        const chunk = bytes.subarray(at, at + max);
        at += chunk.length;
        return Promise.resolve(chunk);
      });
      if (!ok) throw new BodyFileGoneError(`body ${sha256} does not hash to its name`);
    },
  };
}
