#!/usr/bin/env node
/**
 * honeyproxy-sensor: the capturing proxy as a service. Reads the configuration, connects to NATS
 * in the background, starts the proxy, publishes flows and heartbeats, and on SIGINT/SIGTERM stops
 * the proxy, flushes the sinks and drains NATS, in that order.
 */
import { join } from 'node:path';
import { ConfigError, createLogger, createShutdown, settingsHelp } from '@honeyproxy/common';
import { loadSensorConfig, sensorSettings } from './config.js';
import type { FlowSink } from './flow-sink.js';
import { openBodySpill, releaseBodyFiles } from './body-spill.js';
import { createHarWriter } from './har-writer.js';
import { startHeartbeat } from './heartbeat-publisher.js';
import { createNatsConnector } from './nats-connector.js';
import { createSensorMetrics, startMetricsServer } from './metrics.js';
import { createNatsFlowSink, type NatsFlowSink } from './nats-flow-sink.js';
import { createSensor, type Sensor } from './sensor.js';
import { openSpool } from './spool/spool.js';
import { createTeeSink } from './tee-sink.js';
import { SENSOR_VERSION } from './version.js';

async function main(): Promise<number> {
  let loaded;
  try {
    loaded = loadSensorConfig(process.argv.slice(2), process.env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`${err.message}\n\nrun with --help for the list of settings\n`);
    return 2;
  }
  if (loaded.help) {
    process.stdout.write(
      `honeyproxy-sensor ${SENSOR_VERSION}: capture HTTP(S) through a MITM proxy\n\n${settingsHelp(sensorSettings)}\n`,
    );
    return 0;
  }
  const { config } = loaded;
  const log = createLogger({ name: 'sensor', level: config.logLevel });
  const shutdown = createShutdown(log);
  shutdown.installSignalHandlers();

  const connector = await createNatsConnector({
    servers: config.natsServers,
    auth: config.nats,
    name: `honeyproxy-sensor-${config.sensorId}`,
    log: log.child({ component: 'nats' }),
  });
  shutdown.add({ name: 'nats', close: () => connector.close() });

  const spool = await openSpool({
    dir: config.spoolDir,
    maxBytes: config.spoolMax,
    fsyncMs: config.spoolFsyncMs,
    log: log.child({ component: 'spool' }),
  });
  // bodies past 1 MiB stream to files beside the spool, which links them (same filesystem)
  const bodySpill = await openBodySpill({
    dir: join(config.spoolDir, 'bodies'),
    log: log.child({ component: 'body-spill' }),
  });
  // the metrics read components created below
  const live: { sensor?: Sensor; publisher?: NatsFlowSink } = {};
  const metrics =
    config.metricsListen &&
    createSensorMetrics({
      sensor: () => live.sensor?.stats(),
      publisher: () => live.publisher?.stats(),
      natsConnected: () => connector.current() !== undefined,
    });
  const natsSink = createNatsFlowSink({
    connector,
    spool,
    log: log.child({ component: 'publisher' }),
    ...(metrics && { observePublish: metrics.observePublish }),
  });
  const sinks: FlowSink[] = [natsSink];
  if (config.write) sinks.push(await createHarWriter({ path: config.write, log }));
  const sink = releaseBodyFiles(sinks.length === 1 ? natsSink : createTeeSink(sinks));
  shutdown.add({ name: 'sinks', close: () => sink.close() });

  const sensor: Sensor = await createSensor({
    config,
    sink,
    log,
    bodySpill,
    // the metrics endpoint is this process too: never a proxy destination
    ...(config.metricsListen && { ownPorts: [config.metricsListen.port] }),
  });
  live.sensor = sensor;
  live.publisher = natsSink;
  const startedAt = Date.now();
  const heartbeat = startHeartbeat({
    connector,
    sensorId: config.sensorId,
    log,
    build: () => {
      const s = sensor.stats();
      const p = natsSink.stats();
      return {
        v: 1,
        sensorId: config.sensorId,
        version: SENSOR_VERSION,
        mode: sensor.mode,
        startedAt,
        caPem: sensor.caPem,
        caSha256: sensor.caSha256,
        counters: {
          captured: s.captured,
          published: p.published,
          errors: s.errors,
          spooled: p.spooled,
          droppedBodies: p.droppedBodies,
        },
        backlog: p.backlog,
        spoolBytes: p.spoolBytes,
        alarms: p.alarms.slice(0, 16).map((a) => a.slice(0, 256)),
      };
    },
  });
  shutdown.add({ name: 'heartbeat', close: () => heartbeat.close() });
  shutdown.add({ name: 'proxy', close: () => sensor.close() });
  const metricsServer =
    metrics &&
    config.metricsListen &&
    (await startMetricsServer({ listen: config.metricsListen, metrics, log }));
  if (metricsServer) shutdown.add({ name: 'metrics', close: () => metricsServer.close() });

  log.info(
    {
      proxy: `http://0.0.0.0:${sensor.port}`,
      port: sensor.port,
      caPath: sensor.caPath,
      caSha256: sensor.caSha256,
      nats: config.natsServers,
      write: config.write,
      spool: config.spoolDir,
      spoolMax: config.spoolMax,
      metrics: metricsServer ? metricsServer.url : 'off',
    },
    'sensor started',
  );
  return -1;
}

main().then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(
      `honeyproxy-sensor failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exit(1);
  },
);
