/**
 * @honeyproxy/sensor: the capturing MITM proxy and its outputs, for the honeyproxy-sensor service
 * and for the standalone mode that embeds the sensor in-process with its own FlowSink.
 */
export { createSensor, type Sensor, type SensorOptions, type SensorStats } from './sensor.js';
export {
  loadSensorConfig,
  resolveProxyConfig,
  proxyPolicyConfig,
  SENSOR_MODES,
  type SensorMode,
  sensorSettings,
  proxySettings,
  defaultSensorId,
  MAX_BODY_LIMIT,
  type SensorConfig,
  type ProxyConfig,
  type LoadedSensorConfig,
} from './config.js';
export type { CapturedFlow, FlowSink } from './flow-sink.js';
export { loadOrCreateCa, certificateSha256, CaError, type SensorCa } from './ca-store.js';
export {
  createNatsConnector,
  type NatsConnector,
  type NatsConnectorOptions,
} from './nats-connector.js';
export { BodyFileGoneError, createBodyStore, type BodyStore } from './body-upload.js';
export {
  createNatsFlowSink,
  SpoolFullError,
  type NatsFlowSink,
  type NatsFlowSinkOptions,
} from './nats-flow-sink.js';
export type { PublisherStats } from './publisher-stats.js';
export {
  openSpool,
  spoolSegments,
  type Spool,
  type SpoolOptions,
  type SpoolRecord,
  type SpoolStats,
  type AppendResult,
} from './spool/spool.js';
export {
  createSensorMetrics,
  startMetricsServer,
  type SensorMetrics,
  type MetricsServer,
} from './metrics.js';
export {
  startHeartbeat,
  type HeartbeatPublisher,
  type HeartbeatPublisherOptions,
} from './heartbeat-publisher.js';
export { createHarWriter, type HarWriterOptions } from './har-writer.js';
export { harEntry } from './har-entry.js';
export { createTeeSink } from './tee-sink.js';
export { SENSOR_VERSION } from './version.js';
export {
  decideDestination,
  parseCidr,
  parseCidrList,
  clientAllowed,
  type Cidr,
  type Verdict,
  type BlockReason,
} from './containment.js';
export { createHostResolver, type HostResolver, type Resolution } from './host-resolver.js';
export {
  loadOriginalDestination,
  type OriginalDestination,
  type Endpoint,
} from './original-destination.js';
