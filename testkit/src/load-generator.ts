/**
 * Steady load of distinct flows through an explicit proxy, for delivery fault tests: keep-alive
 * workers request unique URLs from a load origin (a mix of small and large bodies) and remember
 * every exchange that was answered completely, with the sha256 of the body the client received.
 * Whatever the faults, each of those must end up stored exactly once with that hash.
 */
import { createHash } from 'node:crypto';
import { Agent, createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface LoadOrigin {
  /** http://127.0.0.1:<port> */
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Serves `GET /<anything>?size=N` with N bytes derived from the path (so every URL has its own
 * content and sha256) and echoes a request body's length, if one was sent.
 */
export async function startLoadOrigin(): Promise<LoadOrigin> {
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://origin');
    const size = Math.min(Number(url.searchParams.get('size') ?? '0') || 0, 64 * 1024 * 1024);
    const seed = createHash('sha256').update(url.pathname).digest();
    const body = Buffer.alloc(size);
    for (let at = 0; at < size; at += seed.length) seed.copy(body, at);
    req.resume();
    req.once('end', () => {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': size });
      res.end(body);
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface LoadOptions {
  readonly proxyPort: number;
  /** The load origin's base URL. */
  readonly originUrl: string;
  /** Distinguishes this run's URLs from any other's. */
  readonly run: string;
  /** Parallel keep-alive connections. */
  readonly concurrency?: number;
  /** Every n-th request gets a large body. */
  readonly bigEvery?: number;
  readonly bigSize?: number;
  readonly smallSize?: number;
  /** Requests per second per worker at most (0 = as fast as answered). */
  readonly ratePerWorker?: number;
}

export interface LoadResult {
  /** URL → sha256 (hex) of the body the client received, for every completely answered request. */
  readonly answered: ReadonlyMap<string, string>;
  /** Requests that failed (proxy down, reset…): not required to be stored. */
  readonly failed: number;
}

export interface Load {
  /** Answered so far. */
  readonly answeredCount: number;
  readonly failedCount: number;
  /** Stops sending, waits for requests in flight, and reports. */
  stop(): Promise<LoadResult>;
}

function fetchViaProxy(
  agent: Agent,
  proxyPort: number,
  url: string,
): Promise<{ status: number; sha256: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: proxyPort,
        path: url,
        agent,
        headers: { host: new URL(url).host },
      },
      (res) => {
        const hash = createHash('sha256');
        res.on('data', (chunk: Buffer) => hash.update(chunk));
        res.once('end', () => {
          if (!res.complete) reject(new Error('response cut short'));
          else resolve({ status: res.statusCode ?? 0, sha256: hash.digest('hex') });
        });
        res.once('error', reject);
      },
    );
    req.setTimeout(30_000, () => req.destroy(new Error('request timed out')));
    req.once('error', reject);
    req.end();
  });
}

export function startLoad(options: LoadOptions): Load {
  const concurrency = options.concurrency ?? 4;
  const bigEvery = options.bigEvery ?? 50;
  const bigSize = options.bigSize ?? 1536 * 1024;
  const smallSize = options.smallSize ?? 1024;
  const pause = options.ratePerWorker ? 1000 / options.ratePerWorker : 0;
  const answered = new Map<string, string>();
  let failed = 0;
  let next = 0;
  let stopping = false;

  const worker = async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      while (!stopping) {
        const i = next++;
        const size = i % bigEvery === bigEvery - 1 ? bigSize : smallSize;
        const url = `${options.originUrl}/load/${options.run}/${i}?size=${size}`;
        const began = Date.now();
        try {
          const { status, sha256 } = await fetchViaProxy(agent, options.proxyPort, url);
          if (status === 200) answered.set(url, sha256);
          else failed++;
        } catch {
          failed++;
          // the proxy is away (being killed or restarted): don't spin
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
        const rest = pause - (Date.now() - began);
        if (rest > 0) await new Promise((resolve) => setTimeout(resolve, rest));
      }
    } finally {
      agent.destroy();
    }
  };
  const workers = Array.from({ length: concurrency }, worker);

  return {
    get answeredCount() {
      return answered.size;
    },
    get failedCount() {
      return failed;
    },
    async stop() {
      stopping = true;
      await Promise.all(workers);
      return { answered, failed };
    },
  };
}
