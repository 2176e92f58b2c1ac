/**
 * A stand-in for the analyzer's HTTP API, enough to drive the GUI in a browser: serves web/build
 * with the analyzer's CSP, the flow list (newest first, cursor pages), flow records, bodies, the CA,
 * live tickets and the /api/live WebSocket. Every JSON answer is validated with the protocol codecs
 * first, so the GUI is tested against shapes the real analyzer must also produce.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import {
  flowPageCodec,
  flowRecordCodec,
  liveMessageCodec,
  liveTicketCodec,
  summarizeFlow,
  compileFilter,
  parseFilter,
  type FlowPage,
  whoAmICodec,
  type FlowSummary,
} from '@honeyproxy/protocol';
import type { SampleFlow } from './gui-sample-flows.js';

export const GUI_CSP =
  "default-src 'self'; script-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'none'";

export const FAKE_CA_PEM = '-----BEGIN CERTIFICATE-----\nTUlJQmZha2U=\n-----END CERTIFICATE-----\n';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
};

export interface FakeGuiApi {
  /** http://127.0.0.1:PORT */
  url: string;
  /** Paths requested so far (with query). */
  requests: string[];
  /** Adds a flow to the store (without announcing it). */
  store(flow: SampleFlow): void;
  /** Adds a flow (if new) and sends its summary to every live socket. */
  publish(flow: SampleFlow): void;
  /** Sends an arbitrary live frame (e.g. invalid JSON) to every socket. */
  sendRaw(text: string): void;
  /** Open live sockets. */
  liveSockets(): number;
  /** Drops every live socket (the GUI should reconnect with a new ticket). */
  dropLive(): void;
  close(): Promise<void>;
}

export async function startFakeGuiApi(options: {
  webRoot: string;
  flows?: readonly SampleFlow[];
}): Promise<FakeGuiApi> {
  const flows: SampleFlow[] = []; // oldest first
  const byId = new Map<string, SampleFlow>();
  const tickets = new Set<string>();
  const sockets = new Set<WebSocket>();
  const requests: string[] = [];
  const wss = new WebSocketServer({ noServer: true, maxPayload: 1024 });

  const store = (flow: SampleFlow): void => {
    const record = flowRecordCodec.decode(flow.record);
    if (byId.has(record.flowId)) return;
    flows.push(flow);
    byId.set(record.flowId, flow);
  };
  for (const flow of options.flows ?? []) store(flow);

  function json(res: ServerResponse, body: unknown): void {
    res.writeHead(200, {
      'content-type': 'application/json; charset=utf-8',
      'cache-control': 'no-store',
    });
    res.end(JSON.stringify(body));
  }

  async function serveStatic(path: string, res: ServerResponse): Promise<void> {
    const file = normalize(join(options.webRoot, path === '/' ? 'index.html' : path));
    if (!file.startsWith(options.webRoot)) return notFound(res);
    try {
      const data = await readFile(file);
      res.writeHead(200, {
        'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
        'content-security-policy': GUI_CSP,
        'x-content-type-options': 'nosniff',
      });
      res.end(data);
    } catch {
      notFound(res);
    }
  }

  function notFound(res: ServerResponse): void {
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end('{"error":"not found"}');
  }

  /**
   * The analyzer's list semantics over the stored flows: sort (a few keys), dir, filter `q`, and
   * keyset pages by `after` / `before` a flow id (cursors are not used by the GUI).
   */
  function listPage(params: URLSearchParams): FlowPage {
    const limit = Math.min(1000, Number(params.get('limit') ?? '100'));
    const sort = params.get('sort') ?? 'start';
    const asc = params.get('dir') === 'asc';
    const key = (f: FlowSummary): number | string => {
      switch (sort) {
        case 'status':
          return f.status ?? -1;
        case 'size':
          return f.size ?? -1;
        case 'duration':
          return f.duration ?? -1;
        case 'method':
          return f.method;
        case 'host':
          return f.host;
        case 'url':
          return f.url;
        default:
          return f.start;
      }
    };
    const cmp = (a: FlowSummary, b: FlowSummary) => {
      const [x, y] = [key(a), key(b)];
      const order = x < y ? -1 : x > y ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
      return asc ? order : -order;
    };
    const match = compileFilter(parseFilter(params.get('q') ?? ''));
    const all = flows
      .map((f) => summarizeFlow(f.record))
      .filter(match)
      .sort(cmp);
    const after = params.get('after');
    const before = params.get('before');
    if (before !== null) {
      const end = all.findIndex((f) => f.id === before);
      const start = Math.max(0, end - limit);
      return {
        flows: all.slice(start, Math.max(0, end)),
        next: null,
        prev: start > 0 ? 'more' : null,
      };
    }
    const from = after === null ? 0 : all.findIndex((f) => f.id === after) + 1;
    const page = all.slice(from, from + limit);
    return {
      flows: page,
      next: from + limit < all.length ? 'more' : null,
      prev: from > 0 ? 'more' : null,
    };
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    requests.push(`${url.pathname}${url.search}`);
    const path = url.pathname;
    if (path === '/api/me')
      return json(res, whoAmICodec.decode({ user: 'analyst', role: 'viewer' }));
    if (path === '/api/ca.pem') {
      res.writeHead(200, {
        'content-type': 'application/x-pem-file',
        'content-disposition': 'attachment; filename="honeyproxy-ca.pem"',
      });
      return void res.end(FAKE_CA_PEM);
    }
    if (path === '/api/live/ticket') {
      const ticket = randomBytes(16).toString('hex');
      tickets.add(ticket);
      return json(res, liveTicketCodec.decode({ ticket }));
    }
    if (path === '/api/flows') return json(res, flowPageCodec.decode(listPage(url.searchParams)));
    if (path === '/api/sensors')
      return json(res, { sensors: [], now: Date.now(), staleAfterMs: 30_000 });
    if (/^\/api\/flows\/[0-9a-f-]{36}\/related$/.test(path)) return json(res, { flows: [] });
    const body = /^\/api\/flows\/([0-9a-f-]{36})\/(request|response)\/body$/.exec(path);
    if (body) {
      const flow = byId.get(body[1] ?? '');
      if (!flow) return notFound(res);
      const side = body[2] === 'request' ? 'request' : 'response';
      const decoded = url.searchParams.get('decoded') === '1';
      if (decoded && side === 'response' && flow.undecodable) {
        res.writeHead(422, { 'content-type': 'application/json' });
        return void res.end('{"error":"cannot decode"}');
      }
      const bytes = side === 'request' ? flow.requestBody : flow.responseBody;
      if (!bytes) return notFound(res);
      res.writeHead(200, {
        'content-type': 'application/octet-stream',
        'content-disposition': 'attachment; filename="body.bin"',
        'x-content-type-options': 'nosniff',
        'content-security-policy': "sandbox; default-src 'none'",
      });
      return void res.end(bytes);
    }
    const one = /^\/api\/flows\/([0-9a-f-]{36})$/.exec(path);
    if (one) {
      const flow = byId.get(one[1] ?? '');
      return flow ? json(res, flowRecordCodec.decode(flow.record)) : notFound(res);
    }
    if (path.startsWith('/api/')) return notFound(res);
    return serveStatic(path, res);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      res.writeHead(500);
      res.end();
    });
  });
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    const ticket = url.searchParams.get('ticket') ?? '';
    requests.push(`${url.pathname}${url.search}`);
    if (url.pathname !== '/api/live' || !tickets.delete(ticket)) {
      socket.end('HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws);
      ws.on('close', () => sockets.delete(ws));
      ws.send(JSON.stringify(liveMessageCodec.decode({ type: 'hello' })));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const broadcast = (text: string): void => {
    for (const ws of sockets) ws.send(text);
  };

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    store,
    publish(flow) {
      store(flow);
      const summary: FlowSummary = summarizeFlow(flow.record);
      broadcast(JSON.stringify(liveMessageCodec.decode({ type: 'flow', flow: summary })));
    },
    sendRaw: broadcast,
    liveSockets: () => sockets.size,
    dropLive() {
      for (const ws of sockets) ws.terminate();
    },
    async close() {
      for (const ws of sockets) ws.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
