/**
 * Stores a body in BODIES the way a sensor does (sensor/src/body-upload.ts): chunks, then the
 * ObjectInfo meta record nats.js would write, without the rollup header the stream refuses.
 * `meta` overrides fields of the record, for bogus objects.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { JetStreamClient } from '@nats-io/jetstream';
import { BODIES_BUCKET, bodyChunkSubject, bodyDigest, bodyMetaSubject } from '@honeyproxy/protocol';

const CHUNK = 128 * 1024;

/** Returns the nuid its chunks went to. */
export async function putBody(
  js: JetStreamClient,
  name: string,
  data: Uint8Array,
  meta: Record<string, unknown> = {},
): Promise<string> {
  const nuid = randomBytes(12).toString('hex');
  let chunks = 0;
  for (let at = 0; at < data.length; at += CHUNK, chunks++)
    await js.publish(bodyChunkSubject(nuid), data.subarray(at, at + CHUNK));
  const digest = bodyDigest(createHash('sha256').update(data).digest('hex'));
  const info = {
    bucket: BODIES_BUCKET,
    nuid,
    size: data.length,
    chunks,
    name,
    description: '',
    options: { max_chunk_size: CHUNK },
    mtime: new Date().toISOString(),
    digest,
    deleted: false,
    ...meta,
  };
  await js.publish(bodyMetaSubject(name), JSON.stringify(info));
  return nuid;
}
