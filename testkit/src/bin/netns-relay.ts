/**
 * The namespace end of a TCP relay: listens on --listen HOST:PORT inside a network namespace and
 * pipes every connection to the Unix socket --unix, whose other end (netns-relay.ts, in the test
 * process) connects to a service in the host's namespace. A Unix socket is a file, so it crosses
 * namespaces without any network between them.
 */
import { createConnection, createServer } from 'node:net';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: { listen: { type: 'string' }, unix: { type: 'string' } },
});
const match = /^(.*):(\d+)$/.exec(values.listen ?? '');
if (!match || !values.unix) {
  process.stderr.write('netns-relay: --listen HOST:PORT and --unix PATH are required\n');
  process.exit(2);
}
const unixPath = values.unix;
const server = createServer((inside) => {
  const outside = createConnection(unixPath);
  inside.pipe(outside).pipe(inside);
  inside.on('error', () => outside.destroy());
  outside.on('error', () => inside.destroy());
});
server.listen(Number(match[2]), match[1], () => {
  process.stdout.write(`${JSON.stringify({ event: 'listening', listen: values.listen })}\n`);
});
process.once('SIGTERM', () => process.exit(0));
