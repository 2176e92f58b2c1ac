/** Positioned reads of a segment file, for the spool reader and the startup count. */
import { read } from 'node:fs';
import { promisify } from 'node:util';

const readFd = promisify(read);

/** Up to `length` bytes at `at`; fewer where the file ends. */
export async function readAt(fd: number, at: number, length: number): Promise<Buffer> {
  const buf = Buffer.allocUnsafe(length);
  let got = 0;
  while (got < length) {
    const { bytesRead } = await readFd(fd, buf, got, length - got, at + got);
    if (bytesRead === 0) break;
    got += bytesRead;
  }
  return buf.subarray(0, got);
}
