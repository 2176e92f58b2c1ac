/**
 * Where the spool keeps things: numbered segment files (`00000000000000000042.seg`), written in
 * order and deleted once every record in them is acknowledged, and the `cursor` file naming the
 * first record not yet acknowledged. A position in the spool is one number, segment × 2³² + byte
 * offset, so positions compare and subtract like offsets.
 */
import { open, readdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export const SEGMENT_SPAN = 2 ** 32;
const SEGMENT_RE = /^(\d{20})\.seg$/;

export function position(segment: number, offset: number): number {
  return segment * SEGMENT_SPAN + offset;
}

export function segmentOf(pos: number): number {
  return Math.floor(pos / SEGMENT_SPAN);
}

export function offsetOf(pos: number): number {
  return pos % SEGMENT_SPAN;
}

export function segmentPath(dir: string, segment: number): string {
  return join(dir, `${String(segment).padStart(20, '0')}.seg`);
}

/** Segment numbers present in `dir`, ascending. */
export async function listSegments(dir: string): Promise<number[]> {
  const names = await readdir(dir);
  const segments: number[] = [];
  for (const name of names) {
    const m = SEGMENT_RE.exec(name);
    if (m?.[1]) segments.push(Number(m[1]));
  }
  return segments.sort((a, b) => a - b);
}

const CURSOR = 'cursor';

/** The saved cursor (position of the first unacknowledged record), or undefined. */
export async function readCursor(dir: string): Promise<number | undefined> {
  let text: string;
  try {
    text = await readFile(join(dir, CURSOR), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const m = /^(\d+) (\d+)\n?$/.exec(text);
  if (!m) return undefined;
  return position(Number(m[1]), Number(m[2]));
}

/**
 * Saves the cursor atomically (write a temporary file, rename over). Not fsynced: a cursor lost
 * to a power cut only means some acknowledged flows are published again, and JetStream's msgID
 * de-duplication and the analyzer's keys absorb that.
 */
export async function writeCursor(dir: string, pos: number): Promise<void> {
  const tmp = join(dir, `${CURSOR}.tmp`);
  await writeFile(tmp, `${segmentOf(pos)} ${offsetOf(pos)}\n`);
  await rename(tmp, join(dir, CURSOR));
}

/** fsync of a directory, so a new segment's name survives a power cut. */
export async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

const LOCK = 'lock';

/**
 * Claims the spool dir for this process (a `lock` file with its pid), so two sensors never write
 * one spool. A lock left by a process that is gone (killed, or this pid in a restarted container)
 * is taken over. Returns the release function.
 */
export async function lockSpool(dir: string): Promise<() => Promise<void>> {
  const path = join(dir, LOCK);
  try {
    await writeFile(path, `${process.pid}\n`, { flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    const holder = Number((await readFile(path, 'utf8').catch(() => '')).trim());
    if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && isAlive(holder)) {
      throw new Error(
        `spool ${dir} is in use by process ${holder} (remove ${path} if it is not a sensor)`,
      );
    }
    await writeFile(path, `${process.pid}\n`);
  }
  return () => unlink(path).catch(() => undefined);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
