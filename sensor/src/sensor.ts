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
import type { FlowSink } from './flow-sink.js';
import { addTunnelToTlsFailures, http1Server, innerServer, type MockttpRequest } from './mockttp-internals.js';
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
/** Request headers as received, before mockttp removes Proxy-Authorization / Proxy-Connection. */
const receivedRawHeaders = Symbol('honeyproxy.receivedRawHeaders');

export async function createSensor({ config, sink, log }: SensorOptions): Promise<Sensor> {
  const ca = await loadOrCreateCa(config.caDir, log);
  const clock = createEpochClock();
  const tracker = createUpstreamTracker();
  const pending = new Set<Promise<void>>();
  let captured = 0;
  let failedFlows = 0;
  let errors = 0;
  let closed = false;

  /** Builds the wire flow and hands it to the sink; every failure is logged and counted. */
  const deliver = (draft: FlowDraft | Promise<FlowDraft>) => {
    let flowId: string | undefined;
    const delivery = Promise.resolve(draft)
      .then(async (d) => {
        flowId = d.flowId;
        const flow = await assembleFlow(d);
        if (flow.flow.error) failedFlows++;
        await sink.write(flow);
        captured++;
      })
      .catch((err: unknown) => {
        errors++;
        log.error({ err, flowId }, 'flow lost: it could not be built or the sink refused it');
      })
      .finally(() => pending.delete(delivery));
    pending.add(delivery);
  };

  const proxy = getLocal({
    https: { key: ca.keyPem, cert: ca.certPem, keyLength: 2048 },
    recordTraffic: false,
    maxBodySize: config.maxBody,
    cors: false,
    suggestChanges: false,
  });
  addTunnelToTlsFailures(proxy);
  await proxy.forAnyRequest().thenPassThrough({ ignoreHostHttpsErrors: true, simulateConnectionErrors: true });
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

  let h1: HttpServer;
  const recorder = createFlowRecorder({
    sensorId: config.sensorId,
    maxBody: config.maxBody,
    clock,
    tracker,
    log,
    emit: deliver,
    receivedHeaders: (req: MockttpRequest) =>
      (req as unknown as Record<symbol, string[] | undefined>)[receivedRawHeaders],
  });
  const keepReceivedHeaders = (message: unknown) => {
    const { request, server } = message as { request: IncomingMessage; server: unknown };
    if (server === h1) (request as unknown as Record<symbol, unknown>)[receivedRawHeaders] = request.rawHeaders;
  };
  try {
    const inner = innerServer(proxy);
    h1 = http1Server(inner);
    dc.subscribe(SERVER_REQUEST_START, keepReceivedHeaders);
    inner.on('request', recorder.onRequest);
  } catch (err) {
    await proxy.stop();
    tracker.close();
    throw err;
  }

  log.info({ port: proxy.port, caPath: ca.certPath, caSha256: ca.sha256, sensorId: config.sensorId }, 'proxy listening');

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
      while (pending.size > 0) await Promise.all([...pending]);
    },
  };
}
