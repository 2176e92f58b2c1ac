/**
 * @honeyproxy/sensor: the capturing MITM proxy and its outputs, for the honeyproxy-sensor service
 * and for the standalone mode that embeds the sensor in-process with its own FlowSink.
 */
export { createSensor, type Sensor, type SensorOptions, type SensorStats } from './sensor.js';
export {
  loadSensorConfig,
  resolveProxyConfig,
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
export {
  createNatsFlowSink,
  BacklogFullError,
  type NatsFlowSink,
  type NatsFlowSinkOptions,
  type PublisherStats,
} from './nats-flow-sink.js';
export {
  createMemoryFlowQueue,
  type FlowQueue,
  type QueuedFlow,
  type PushOutcome,
} from './flow-queue.js';
export {
  startHeartbeat,
  type HeartbeatPublisher,
  type HeartbeatPublisherOptions,
} from './heartbeat-publisher.js';
export { createHarWriter, type HarWriterOptions } from './har-writer.js';
export { harEntry } from './har-entry.js';
export { createTeeSink } from './tee-sink.js';
export { SENSOR_VERSION } from './version.js';
