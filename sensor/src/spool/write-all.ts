/**
 * A positioned writev done in place that does not stop at a short write: the group writer's path
 * for small batches.
 */
import { writevSync } from 'node:fs';

/** writevSync until every byte is written (a short write continues where it stopped). */
export function writeAll(fd: number, bufs: readonly Uint8Array[], at: number, total: number): void {
  let done = writevSync(fd, bufs, at);
  if (done === total) return;
  // rare: continue byte-exactly with the remaining slices
  let skip = done;
  const rest: Uint8Array[] = [];
  for (const b of bufs) {
    if (skip >= b.length) {
      skip -= b.length;
      continue;
    }
    rest.push(skip > 0 ? b.subarray(skip) : b);
    skip = 0;
  }
  while (done < total) {
    const n = writevSync(fd, rest, at + done);
    if (n === 0) throw Object.assign(new Error('short write'), { code: 'EIO' });
    done += n;
    let drop = n;
    while (drop > 0 && rest.length > 0) {
      const first = rest[0] as Uint8Array;
      if (drop >= first.length) {
        drop -= first.length;
        rest.shift();
      } else {
        rest[0] = first.subarray(drop);
        drop = 0;
      }
    }
  }
}
