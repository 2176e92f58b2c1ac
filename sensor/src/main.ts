#!/usr/bin/env node
/**
 * honeyproxy-sensor: the capturing proxy as a service. Reads the configuration, connects to NATS
 * in the background, starts the proxy, publishes flows and heartbeats, and on SIGINT/SIGTERM stops
 * the proxy, flushes the sinks and drains NATS, in that order.
 */
import { ConfigError, createLogger, createShutdown, settingsHelp } from '@honeyproxy/common';
import { loadSensorConfig, sensorSettings } from './config.js';
import type { FlowSink } from './flow-sink.js';
import { createHarWriter } from './har-writer.js';
import { startHeartbeat } from './heartbeat-publisher.js';
import { createNatsConnector } from './nats-connector.js';
import { createNatsFlowSink } from './nats-flow-sink.js';
import { createSensor, type Sensor } from './sensor.js';
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

  const natsSink = createNatsFlowSink({ connector, log: log.child({ component: 'publisher' }) });
  const sinks: FlowSink[] = [natsSink];
  if (config.write) sinks.push(await createHarWriter({ path: config.write, log }));
  const sink = sinks.length === 1 ? natsSink : createTeeSink(sinks);
  shutdown.add({ name: 'sinks', close: () => sink.close() });

  const sensor: Sensor = await createSensor({ config, sink, log });
  const startedAt = Date.now();
  const heartbeat = startHeartbeat({
    connector,
    sensorId: config.sensorId,
    log,
    build: () => {
      const s = sensor.stats();
      const p = natsSink.stats();
      const alarms = [
        ...(p.problem ? [p.problem] : []),
        ...(p.dropped > 0 ? [`${p.dropped} flows dropped (backlog full or over max_payload)`] : []),
        ...(p.droppedBodies > 0
          ? [`${p.droppedBodies} flows kept without bodies: backlog full`]
          : []),
      ];
      return {
        v: 1,
        sensorId: config.sensorId,
        version: SENSOR_VERSION,
        mode: 'explicit',
        startedAt,
        caPem: sensor.caPem,
        caSha256: sensor.caSha256,
        counters: {
          captured: s.captured,
          published: p.published,
          errors: s.errors,
          droppedBodies: p.droppedBodies,
        },
        backlog: p.backlog,
        alarms,
      };
    },
  });
  shutdown.add({ name: 'heartbeat', close: () => heartbeat.close() });
  shutdown.add({ name: 'proxy', close: () => sensor.close() });

  log.info(
    {
      proxy: `http://0.0.0.0:${sensor.port}`,
      port: sensor.port,
      caPath: sensor.caPath,
      caSha256: sensor.caSha256,
      nats: config.natsServers,
      write: config.write,
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
