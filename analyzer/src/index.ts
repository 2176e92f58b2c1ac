/**
 * @honeyproxy/analyzer: the pieces of the analyzer, separable so standalone mode can embed the store,
 * live hub, users and HTTP app on PGlite without NATS (ingest is the only NATS-bound part).
 */
export {
  analyzerSettings,
  httpSettings,
  loadAnalyzerConfig,
  resolveHttpConfig,
  parseBootstrapUser,
  DEFAULT_WEB_ROOT,
} from './config.js';
export type { AnalyzerConfig, HttpConfig, BootstrapUser, LoadedAnalyzerConfig } from './config.js';
export type { Database } from './db/database.js';
export { createDatabase, ensureDatabaseExists, databaseName } from './db/create-database.js';
export { migrateToLatest, MigrationError } from './db/migrate.js';
export { PGliteDialect } from './db/pglite-dialect.js';
export { isDataError } from './db/pg-errors.js';
export { createFlowStore, MissingBodyError } from './store/flow-store.js';
export type { FlowStore, StoredBody } from './store/flow-store.js';
export { createSensorStore } from './store/sensor-store.js';
export type { SensorStore } from './store/sensor-store.js';
export type { IngestItem, DeadLetter } from './store/ingest-item.js';
export { InvalidFlowError, prepareFlow, sha256Hex } from './store/prepare-flow.js';
export type { PreparedFlow } from './store/prepare-flow.js';
export { InvalidCursorError } from './store/cursor.js';
export { createLiveHub, SLOW_CLIENT_CLOSE } from './live/live-hub.js';
export type { LiveHub, LiveClient, LiveHubOptions } from './live/live-hub.js';
export { createUserStore, ROLES, UserStoreError, MIN_PASSWORD_LENGTH } from './users/user-store.js';
export type { UserStore, Role, BootstrapResult } from './users/user-store.js';
export {
  createAuthenticator,
  AuthenticationError,
  TooManyAttemptsError,
} from './users/authenticator.js';
export type { Authenticator, AuthUser } from './users/authenticator.js';
export { buildApp } from './http/app.js';
export type { AppOptions, AppConfig } from './http/app.js';
export { STATE_CHANGE_HEADER } from './http/auth.js';
export { GUI_CSP } from './http/security-headers.js';
export { createIngest } from './ingest/ingest.js';
export type { Ingest, IngestOptions, IngestStats, CreateIngestOptions } from './ingest/ingest.js';
export { ensureJetStream } from './ingest/jetstream-setup.js';
export type { JetStreamHandles } from './ingest/jetstream-setup.js';
export { createLivePublisher, startLiveRelay } from './ingest/live-relay.js';
export { startHeartbeatListener, HEARTBEAT_SUBJECTS } from './ingest/heartbeat-listener.js';
export { connectNats, natsOptions } from './nats-connection.js';
export { BinaryCopyEncoder } from './store/binary-copy-encoder.js';
export type { CopyColumnType, CopyValue } from './store/binary-copy-encoder.js';
export {
  FLOW_COLUMN_LIST,
  FLOW_COPY_TYPES,
  flowCopyValues,
  flowRowJson,
} from './store/flow-row.js';
export type { FlowRow } from './store/flow-row.js';
