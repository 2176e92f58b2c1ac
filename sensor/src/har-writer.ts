/**
 * `--write FILE`: every flow appended to a HAR 1.2 file. Each batch is written over the closing
 * `]}}` and followed by a new one, at a known offset, so the file is a complete HAR document after
 * every write (not only after a graceful stop). Writes are batched and serialised; `write`
 * resolves once the flow is on disk.
 */
import { open, type FileHandle } from 'node:fs/promises';
import type { Logger } from 'pino';
import type { FlowSink } from './flow-sink.js';
import { withBodiesInMemory } from './body-spill.js';
import { harEntry } from './har-entry.js';
import { SENSOR_VERSION } from './version.js';

export interface HarWriterOptions {
  readonly path: string;
  readonly log: Logger;
}

const FOOTER = ']}}\n';

export async function createHarWriter({ path, log }: HarWriterOptions): Promise<FlowSink> {
  const file: FileHandle = await open(path, 'w', 0o640);
  const header = JSON.stringify({
    log: {
      version: '1.2',
      creator: { name: 'honeyproxy-sensor', version: SENSOR_VERSION },
      entries: [],
    },
  });
  // '{"log":{…,"entries":[' — the document is reopened right where the entries array ends
  const prefix = header.slice(0, -']}}'.length);
  await file.write(prefix + FOOTER, 0);
  let offset = Buffer.byteLength(prefix);
  let entries = 0;
  let batch: { json: string; done: () => void; fail: (err: Error) => void }[] = [];
  let writing: Promise<void> | undefined;
  let closed = false;

  const flush = async (): Promise<void> => {
    while (batch.length > 0) {
      const current = batch;
      batch = [];
      const text = (entries === 0 ? '' : ',') + current.map((e) => e.json).join(',');
      const data = Buffer.from(text + FOOTER);
      try {
        await file.write(data, 0, data.length, offset);
        offset += data.length - FOOTER.length;
        entries += current.length;
        for (const e of current) e.done();
      } catch (err) {
        log.error({ err, path }, 'HAR file write failed');
        for (const e of current) e.fail(err as Error);
      }
    }
  };

  const kick = () => {
    writing ??= flush().finally(() => {
      writing = undefined;
      if (batch.length > 0) kick();
    });
  };

  return {
    async write(captured) {
      if (closed) throw new Error('HAR writer is closed');
      // bodies kept in files are read within write: the capture deletes them once it settles
      const json = JSON.stringify(harEntry(await withBodiesInMemory(captured)));
      return new Promise<void>((done, fail) => {
        batch.push({ json, done, fail });
        kick();
      });
    },
    async close() {
      if (closed) return;
      closed = true;
      while (writing) await writing;
      await file.sync();
      await file.close();
      log.info({ path, entries }, 'HAR file closed');
    },
  };
}
