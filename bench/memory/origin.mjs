/**
 * The memory bench's origin, run as its own process (`node origin.mjs`, prints its port):
 * /small answers 1 KiB; /big?bytes=N answers N bytes made on the fly from one 64 KiB block, with
 * backpressure, so the origin never holds a download either.
 */
import { Buffer } from 'node:buffer';
import http from 'node:http';
import process from 'node:process';
import { URL } from 'node:url';

const small = Buffer.alloc(1024, 'x');
const block = Buffer.alloc(64 * 1024);
for (let i = 0; i < block.length; i++) block[i] = (i * 31 + 7) & 0xff;

const server = http.createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://origin');
  if (url.pathname === '/small') {
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': 1024 });
    res.end(small);
    return;
  }
  const total = Number(url.searchParams.get('bytes') ?? 0);
  res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': total });
  let left = total;
  const pump = () => {
    while (left > 0) {
      const n = Math.min(left, block.length);
      left -= n;
      if (!res.write(n === block.length ? block : block.subarray(0, n))) {
        res.once('drain', pump);
        return;
      }
    }
    res.end();
  };
  pump();
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`));
process.on('SIGTERM', () => process.exit(0));
