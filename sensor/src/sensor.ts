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
import { mockttpBodyLimit } from './body-tap.js';
import { loadOrCreateCa } from './ca-store.js';
import type { ProxyConfig, SensorMode } from './config.js';
import { createEpochClock } from './epoch-clock.js';
import {
  createConnectionGate,
  installConnectionGate,
  transparentDestinationOf,
  type GateCounters,
} from './connection-gate.js';
import { createDestinationGuard } from './destination-guard.js';
import { blockedTunnelDraft, clientErrorDraft, tlsFailureDraft } from './failure-flows.js';
import { createHostResolver, type HostResolver } from './host-resolver.js';
import { installNoSniCertificates, createNoSniCertificates } from './no-sni-certificates.js';
import { loadOriginalDestination, type OriginalDestination } from './original-destination.js';
import { createRequestRouter } from './request-router.js';
import { assembleFlow, type FlowDraft } from './flow-draft.js';
import type { BodySpill } from './body-spill.js';
import { createFlowRecorder } from './flow-recorder.js';
import type { CapturedFlow, FlowSink } from './flow-sink.js';
import {
  addTunnelToTlsFailures,
  fixIpv6Destinations,
  gateConnect,
  http1Server,
  innerServer,
  parseTunnelAddress,
  tunnelAddressOf,
  wrapPassThroughSteps,
  type MockttpRequest,
} from './mockttp-internals.js';
import { normalizeIp } from './net-names.js';
import { createResponseHolds } from './response-holds.js';
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
  /** Requests, tunnels and upgrades containment refused (each is also a flow). */
  readonly blocked: number;
  /** Connections closed by the connection gate (--allow-clients, --mode transparent). */
  readonly refusedClients: number;
  readonly refusedExplicit: number;
  /** Connections iptables redirected to the sensor. */
  readonly transparentConnections: number;
}

export interface Sensor {
  readonly port: number;
  /** The mode in force: explicit when the original destination cannot be read here. */
  readonly mode: SensorMode;
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
  /**
   * Reads a connection's original destination (default: the native addon on Linux). Tests pass a
   * fake; null turns transparent mode off.
   */
  readonly originalDestination?: OriginalDestination | null;
  /** Resolves host names (default: getaddrinfo with a cache). */
  readonly resolver?: HostResolver;
  /** Other ports of this process a client must never reach through the proxy (e.g. a GUI). */
  readonly ownPorts?: readonly number[];
  /** Where bodies past its threshold go instead of memory (default: all bodies in memory). */
  readonly bodySpill?: BodySpill;
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

export async function createSensor(options: SensorOptions): Promise<Sensor> {
  const { config, sink, log } = options;
  const mode = config.mode ?? 'both';
  let originalDestination: OriginalDestination | undefined;
  if (options.originalDestination !== undefined) {
    originalDestination = options.originalDestination ?? undefined;
  } else if (mode !== 'explicit') {
    const support = loadOriginalDestination();
    originalDestination = support.originalDestination;
    if (!originalDestination) {
      if (mode === 'transparent') {
        throw new Error(`--mode transparent is not available: ${support.unavailable ?? 'unknown'}`);
      }
      log.warn(
        { reason: support.unavailable },
        'transparent capture unavailable: every connection is handled as an explicit-proxy client',
      );
    }
  }
  fixIpv6Destinations();
  const ca = await loadOrCreateCa(config.caDir, log);
  const resolver = options.resolver ?? createHostResolver();
  const guard = createDestinationGuard({
    allow: config.allowDestinations ?? [],
    deny: config.denyDestinations ?? [],
    resolver,
  });
  for (const port of options.ownPorts ?? []) guard.addOwnPort(port);
  const gate = createConnectionGate({
    mode,
    allowClients: config.allowClients ?? [],
    originalDestination,
    log,
  });
  let blocked = 0;
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
    void work.finally(settled);
  };
  const lost = (flowId: string | undefined, err: unknown) => {
    errors++;
    log.error({ err, flowId }, 'flow lost: it could not be built or the sink refused it');
  };
  const settled = () => {
    if (--pending === 0) idle?.();
  };
  const handOver = (flow: CapturedFlow): Promise<void> => {
    if (flow.flow.error) failedFlows++;
    // counted by hand, not with later(): one promise less for every flow
    pending++;
    return sink.write(flow).then(
      () => {
        captured++;
        settled();
      },
      (err: unknown) => {
        lost(flow.flow.flowId, err);
        settled();
      },
    );
  };
  /**
   * Hands a flow to the sink: at once when it is ready and its bodies small, else when it is.
   * Returns what settles (never rejects) once the sink has it stored or refused.
   */
  const deliver = (draft: FlowDraft | Promise<FlowDraft>): Promise<void> | undefined => {
    if (draft instanceof Promise) {
      const stored = draft.then(deliver, (err: unknown) => lost(undefined, err));
      later(stored);
      return stored;
    }
    try {
      const assembled = assembleFlow(draft);
      if (!(assembled instanceof Promise)) return handOver(assembled);
      const stored = assembled.then(handOver, (err: unknown) => lost(draft.flowId, err));
      later(stored);
      return stored;
    } catch (err) {
      lost(draft.flowId, err);
      return undefined;
    }
  };
  // write-before-last-byte, when the sink's storing survives the sensor's death (the spool)
  const holds = sink.holdResponses ? createResponseHolds({ log }) : undefined;

  const proxy = getLocal({
    https: { key: ca.keyPem, cert: ca.certPem, keyLength: 2048 },
    recordTraffic: false,
    // mockttp buffers at most this much of a body; the flow recorder keeps max-body itself
    maxBodySize: mockttpBodyLimit(config.maxBody),
    cors: false,
    suggestChanges: false,
  });
  const router = createRequestRouter({
    guard,
    onBlocked: () => void blocked++,
    onRefused: (refusal) => {
      try {
        void deliver(
          blockedTunnelDraft(refusal, { sensorId: config.sensorId, offset: clock.offset() }),
        );
      } catch (err) {
        log.error({ err }, 'could not record a refused tunnel');
      }
    },
  });
  const recorder = createFlowRecorder({
    sensorId: config.sensorId,
    maxBody: config.maxBody,
    ...(options.bodySpill && { bodySpill: options.bodySpill }),
    clock,
    tracker,
    log,
    emit: deliver,
    holds,
    receivedHeaders: (req: MockttpRequest) => receivedHeaders.get(req),
    transparentOf: transparentDestinationOf,
    routeOf: router.routeOf,
    originalTargetOf: router.originalTargetOf,
    resolver,
  });
  // Request headers as received, for the requests whose Proxy-Authorization / Proxy-Connection
  // mockttp removes (the channel fires before mockttp's listener).
  const receivedHeaders = new WeakMap<object, string[]>();
  // TLS failures on transparent connections, by mockttp's failure event
  const transparentFailures = new WeakMap<object, { address: string; port: number }>();
  let h1: HttpServer | undefined;
  const keepReceivedHeaders = (message: unknown) => {
    const { request, server } = message as { request: IncomingMessage; server: unknown };
    if (server !== h1) return;
    if (hasProxyHeader(request.rawHeaders)) receivedHeaders.set(request, request.rawHeaders);
    router.onRequestStart(request);
  };
  let uninstallNoSni: (() => void) | undefined;

  try {
    addTunnelToTlsFailures(proxy, (socket, failure) => {
      const original = transparentDestinationOf(socket);
      if (original) transparentFailures.set(failure, original);
    });
    await proxy
      .forAnyRequest()
      .thenPassThrough({ ignoreHostHttpsErrors: true, simulateConnectionErrors: true });
    // without a WebSocket rule mockttp answers upgrades with 503; pass them through too
    await proxy.forAnyWebSocket().thenPassThrough({ ignoreHostHttpsErrors: true });
    // containment and original-destination routing run before mockttp dials
    wrapPassThroughSteps(proxy, {
      requests: router.wrapRequestStep,
      webSockets: router.wrapWebSocketStep,
    });
    await proxy.on('tls-client-error', (event: TlsHandshakeFailure) => {
      try {
        void deliver(
          tlsFailureDraft(event, {
            sensorId: config.sensorId,
            offset: clock.offset(),
            transparent: transparentFailures.get(event),
          }),
        );
      } catch (err) {
        log.error({ err }, 'could not record a TLS failure');
      }
    });
    await proxy.on('client-error', (event: ClientError) => {
      try {
        void deliver(
          clientErrorDraft(event, { sensorId: config.sensorId, offset: clock.offset() }),
        );
      } catch (err) {
        log.error({ err }, 'could not record a client error');
      }
    });
    await proxy.start(config.proxyPort);
    const inner = innerServer(proxy);
    installConnectionGate(inner, gate);
    gateConnect(inner, router.gateConnect);
    guard.addOwnPort(proxy.port);
    const certificates = createNoSniCertificates(ca);
    uninstallNoSni = installNoSniCertificates({
      certificates,
      identityOf: (socket) => {
        const raw = (socket as unknown as { _parent?: { server?: unknown } })._parent;
        if (!raw || raw.server !== inner) return undefined;
        const original = transparentDestinationOf(socket);
        if (original) return original.address;
        const tunnel = tunnelAddressOf(socket);
        return tunnel ? normalizeIp(parseTunnelAddress(tunnel).hostname) : undefined;
      },
    });
    h1 = http1Server(inner);
    dc.subscribe(SERVER_REQUEST_START, keepReceivedHeaders);
    inner.on('request', recorder.onRequest);
  } catch (err) {
    uninstallNoSni?.();
    dc.unsubscribe(SERVER_REQUEST_START, keepReceivedHeaders);
    tracker.close();
    holds?.close();
    await proxy.stop().catch(() => undefined); // not started, or half started: nothing to keep
    throw err;
  }

  log.info(
    {
      port: proxy.port,
      caPath: ca.certPath,
      caSha256: ca.sha256,
      sensorId: config.sensorId,
      mode,
      transparent: originalDestination ? 'on' : 'off',
      allowDestinations: (config.allowDestinations ?? []).map((c) => c.text),
      denyDestinations: (config.denyDestinations ?? []).map((c) => c.text),
      allowClients: (config.allowClients ?? []).map((c) => c.text),
    },
    'proxy listening',
  );

  return {
    port: proxy.port,
    mode: originalDestination ? mode : 'explicit',
    caPem: ca.certPem,
    caSha256: ca.sha256,
    caPath: ca.certPath,
    stats: () => ({
      captured,
      failedFlows,
      errors,
      inProgress: recorder.inProgress(),
      blocked,
      ...(gate.counters as GateCounters),
    }),
    async close() {
      if (closed) return;
      closed = true;
      // stopping destroys open connections: their exchanges finish as aborted flows
      await proxy.stop();
      uninstallNoSni?.();
      dc.unsubscribe(SERVER_REQUEST_START, keepReceivedHeaders);
      tracker.close();
      // close handlers and mockttp's failure events run on later ticks
      for (let i = 0; i < 50 && (recorder.inProgress() > 0 || i < 2); i++) {
        await new Promise((resolve) => setTimeout(resolve, i < 2 ? 0 : 20));
      }
      if (pending > 0) await new Promise<void>((resolve) => (idle = resolve));
      holds?.close();
    },
  };
}
