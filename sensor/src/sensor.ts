/**
 * The capturing proxy: mockttp on one port as an explicit HTTP proxy (absolute-form requests and
 * CONNECT with TLS interception), passing everything through to the real servers — an invalid
 * upstream certificate is recorded, never refused — and turning every exchange, failed handshake
 * and malformed request into a flow for the sink. Owns mockttp, the CA and the hooks.
 */
import dc from 'node:diagnostics_channel';
import type { IncomingMessage, Server as HttpServer } from 'node:http';
import type { Logger } from 'pino';
import { getLocal, type ClientError, type TlsHandshakeFailure } from 'mockttp';
import { loadOrCreateCa } from './ca-store.js';
import type { ProxyConfig } from './config.js';
import { createEpochClock } from './epoch-clock.js';
import { clientErrorDraft, tlsFailureDraft } from './failure-flows.js';
import { assembleFlow, type FlowDraft } from './flow-draft.js';
import { createFlowRecorder } from './flow-recorder.js';
import type { CapturedFlow, FlowSink } from './flow-sink.js';
import {
  addTunnelToTlsFailures,
  http1Server,
  innerServer,
  type MockttpRequest,
} from './mockttp-internals.js';
import { createUpstreamTracker } from './upstream-tracker.js';

export interface SensorStats {
  /** Flows handed to the sink. */
  readonly captured: number;
  /** Flows that carry an error (aborts, unreachable upstreams, TLS and protocol failures). */
  readonly failedFlows: number;
  /** Flows the sink refused or the sensor could not build (logged each time). */
  readonly errors: number;
  /** Exchanges started and not yet finished. */
  readonly inProgress: number;
}

export interface Sensor {
  readonly port: number;
  readonly caPem: string;
  /** SHA-256 of the CA certificate, AA:BB:… form. */
  readonly caSha256: string;
  readonly caPath: string;
  stats(): SensorStats;
  /** Stops the proxy and waits until every flow it started has reached the sink. */
  close(): Promise<void>;
}

export interface SensorOptions {
  readonly config: ProxyConfig;
  readonly sink: FlowSink;
  readonly log: Logger;
}

const SERVER_REQUEST_START = 'http.server.request.start';

/** True when a flat raw header list has a Proxy-* header (which mockttp drops from what it keeps). */
function hasProxyHeader(raw: readonly string[]): boolean {
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] ?? '';
    if (
      name.length > 6 &&
      (name.charCodeAt(0) | 0x20) === 0x70 &&
      name.slice(0, 6).toLowerCase() === 'proxy-'
    )
      return true;
  }
  return false;
}

export async function createSensor({ config, sink, log }: SensorOptions): Promise<Sensor> {
  const ca = await loadOrCreateCa(config.caDir, log);
  const clock = createEpochClock();
  const tracker = createUpstreamTracker();
  let captured = 0;
  let failedFlows = 0;
  let errors = 0;
  let closed = false;

  // deliveries still in progress: close() waits for them
  let pending = 0;
  let idle: (() => void) | undefined;
  const later = (work: Promise<unknown>) => {
    pending++;
    void work.finally(() => {
      if (--pending === 0) idle?.();
    });
  };
  const lost = (flowId: string | undefined, err: unknown) => {
    errors++;
    log.error({ err, flowId }, 'flow lost: it could not be built or the sink refused it');
  };
  const handOver = (flow: CapturedFlow) => {
    if (flow.flow.error) failedFlows++;
    later(
      sink.write(flow).then(
        () => void captured++,
        (err: unknown) => lost(flow.flow.flowId, err),
      ),
    );
  };
  /** Hands a flow to the sink: at once when it is ready and its bodies small, else when it is. */
  const deliver = (draft: FlowDraft | Promise<FlowDraft>): void => {
    if (draft instanceof Promise) {
      later(draft.then(deliver, (err: unknown) => lost(undefined, err)));
      return;
    }
    try {
      const assembled = assembleFlow(draft);
      if (assembled instanceof Promise)
        later(assembled.then(handOver, (err: unknown) => lost(draft.flowId, err)));
      else handOver(assembled);
    } catch (err) {
      lost(draft.flowId, err);
    }
  };

  const proxy = getLocal({
    https: { key: ca.keyPem, cert: ca.certPem, keyLength: 2048 },
    recordTraffic: false,
    maxBodySize: config.maxBody,
    cors: false,
    suggestChanges: false,
  });
  const recorder = createFlowRecorder({
    sensorId: config.sensorId,
    maxBody: config.maxBody,
    clock,
    tracker,
    log,
    emit: deliver,
    receivedHeaders: (req: MockttpRequest) => receivedHeaders.get(req),
  });
  // Request headers as received, for the requests whose Proxy-Authorization / Proxy-Connection
  // mockttp removes (the channel fires before mockttp's listener).
  const receivedHeaders = new WeakMap<object, string[]>();
  let h1: HttpServer | undefined;
  const keepReceivedHeaders = (message: unknown) => {
    const { request, server } = message as { request: IncomingMessage; server: unknown };
    if (server === h1 && hasProxyHeader(request.rawHeaders)) {
      receivedHeaders.set(request, request.rawHeaders);
    }
  };

  try {
    addTunnelToTlsFailures(proxy);
    await proxy
      .forAnyRequest()
      .thenPassThrough({ ignoreHostHttpsErrors: true, simulateConnectionErrors: true });
    // without a WebSocket rule mockttp answers upgrades with 503; pass them through too
    await proxy.forAnyWebSocket().thenPassThrough({ ignoreHostHttpsErrors: true });
    await proxy.on('tls-client-error', (event: TlsHandshakeFailure) => {
      try {
        deliver(tlsFailureDraft(event, { sensorId: config.sensorId, offset: clock.offset() }));
      } catch (err) {
        log.error({ err }, 'could not record a TLS failure');
      }
    });
    await proxy.on('client-error', (event: ClientError) => {
      try {
        deliver(clientErrorDraft(event, { sensorId: config.sensorId, offset: clock.offset() }));
      } catch (err) {
        log.error({ err }, 'could not record a client error');
      }
    });
    await proxy.start(config.proxyPort);
    const inner = innerServer(proxy);
    h1 = http1Server(inner);
    dc.subscribe(SERVER_REQUEST_START, keepReceivedHeaders);
    inner.on('request', recorder.onRequest);
  } catch (err) {
    dc.unsubscribe(SERVER_REQUEST_START, keepReceivedHeaders);
    tracker.close();
    await proxy.stop().catch(() => undefined); // not started, or half started: nothing to keep
    throw err;
  }

  log.info(
    { port: proxy.port, caPath: ca.certPath, caSha256: ca.sha256, sensorId: config.sensorId },
    'proxy listening',
  );

  return {
    port: proxy.port,
    caPem: ca.certPem,
    caSha256: ca.sha256,
    caPath: ca.certPath,
    stats: () => ({ captured, failedFlows, errors, inProgress: recorder.inProgress() }),
    async close() {
      if (closed) return;
      closed = true;
      // stopping destroys open connections: their exchanges finish as aborted flows
      await proxy.stop();
      dc.unsubscribe(SERVER_REQUEST_START, keepReceivedHeaders);
      tracker.close();
      // close handlers and mockttp's failure events run on later ticks
      for (let i = 0; i < 50 && (recorder.inProgress() > 0 || i < 2); i++) {
        await new Promise((resolve) => setTimeout(resolve, i < 2 ? 0 : 20));
      }
      if (pending > 0) await new Promise<void>((resolve) => (idle = resolve));
    },
  };
}
