/**
 * Shapes of the analyzer's REST and WebSocket API, shared by the analyzer (response schemas) and the
 * browser (which validates what it receives like any other boundary).
 */
import { Type, type Static } from 'typebox';
import { FlowSummary } from './flow-summary.js';
import { SensorCounters } from './heartbeat.js';

export const FLOW_PAGE_MAX = 1000;

/** Columns the flow list can be sorted by on the server (`sort=`), each with a keyset index. */
export const FLOW_SORT_KEYS = [
  'start',
  'method',
  'url',
  'host',
  'status',
  'type',
  'sniffed',
  'size',
  'duration',
  'sensor',
  'tls',
] as const;
export type FlowSortKey = (typeof FLOW_SORT_KEYS)[number];

/** GET /api/flows */
export const FlowPage = Type.Object(
  {
    flows: Type.Array(FlowSummary, { maxItems: FLOW_PAGE_MAX }),
    /** Opaque cursor for the next page (further in the sort order), null at the end. */
    next: Type.Union([Type.String({ maxLength: 1024 }), Type.Null()]),
    /** Opaque cursor for the page before this one, null when this page is the first. */
    prev: Type.Optional(Type.Union([Type.String({ maxLength: 1024 }), Type.Null()])),
  },
  { additionalProperties: false },
);
export type FlowPage = Static<typeof FlowPage>;

/** GET /api/flows/:id/related?kind=… — the 2012 helpers' answers, newest relevant first. */
export const RELATED_MAX = 50;
export const RelatedFlows = Type.Object(
  { flows: Type.Array(FlowSummary, { maxItems: RELATED_MAX }) },
  { additionalProperties: false },
);
export type RelatedFlows = Static<typeof RelatedFlows>;

/** A message on the /api/live WebSocket. */
export const LiveMessage = Type.Union([
  Type.Object({ type: Type.Literal('flow'), flow: FlowSummary }, { additionalProperties: false }),
  Type.Object({ type: Type.Literal('hello') }, { additionalProperties: false }),
]);
export type LiveMessage = Static<typeof LiveMessage>;

/** GET /api/me */
export const WhoAmI = Type.Object(
  { user: Type.String(), role: Type.Union([Type.Literal('viewer'), Type.Literal('admin')]) },
  { additionalProperties: false },
);
export type WhoAmI = Static<typeof WhoAmI>;

/** How often sensors send a heartbeat; a sensor silent for 3 intervals is `stale`. */
export const HEARTBEAT_INTERVAL_MS = 10_000;
export const STALE_AFTER_HEARTBEATS = 3;

const Count = Type.Integer({ minimum: 0 });

/** One sensor in GET /api/sensors: its last heartbeat and what the analyzer derives from it. */
export const SensorStatus = Type.Object(
  {
    id: Type.String({ maxLength: 64 }),
    /** online: heard within 3 intervals, no alarms; stale: silent longer; alarm: alarms raised. */
    state: Type.Union([Type.Literal('online'), Type.Literal('stale'), Type.Literal('alarm')]),
    /** Epoch ms of the last heartbeat received, and of the first. */
    lastSeen: Type.Number({ minimum: 0 }),
    firstSeen: Type.Number({ minimum: 0 }),
    version: Type.String({ maxLength: 64 }),
    mode: Type.Union([Type.Literal('explicit'), Type.Literal('transparent'), Type.Literal('both')]),
    /** Sensor uptime at its last heartbeat (ms). */
    uptimeMs: Type.Number({ minimum: 0 }),
    counters: SensorCounters,
    /** Flows the sensor holds that JetStream has not acknowledged (its spool depth). */
    backlog: Count,
    /** Bytes its disk spool takes, when the sensor reports it. */
    spoolBytes: Type.Optional(Count),
    alarms: Type.Array(Type.String({ maxLength: 256 }), { maxItems: 16 }),
    /** SHA-256 fingerprint of the sensor's interception CA (AA:BB:… form). */
    caSha256: Type.String({ maxLength: 95 }),
    /** Start (epoch ms) of the newest stored flow from this sensor, null if none. */
    lastFlowAt: Type.Union([Type.Number(), Type.Null()]),
    /**
     * How far the store is behind the sensor (ms): 0 when its backlog is empty, otherwise the age
     * of its newest stored flow (null: nothing stored yet).
     */
    lagMs: Type.Union([Type.Number({ minimum: 0 }), Type.Null()]),
  },
  { additionalProperties: false },
);
export type SensorStatus = Static<typeof SensorStatus>;

/** GET /api/sensors */
export const SensorList = Type.Object(
  {
    sensors: Type.Array(SensorStatus, { maxItems: 10_000 }),
    /** Epoch ms the states were computed at. */
    now: Type.Number({ minimum: 0 }),
    staleAfterMs: Type.Number({ minimum: 0 }),
  },
  { additionalProperties: false },
);
export type SensorList = Static<typeof SensorList>;

export const DEAD_LETTER_PAGE_MAX = 500;
/** Bytes of a dead letter's payload shown inline (the whole payload is a separate download). */
export const DEAD_LETTER_PREVIEW_BYTES = 4096;

/** A message ingest could not store (GET /api/dead-letters, admins only). */
export const DeadLetterInfo = Type.Object(
  {
    id: Type.Integer({ minimum: 1 }),
    /** Epoch ms it was dead-lettered. */
    receivedAt: Type.Number({ minimum: 0 }),
    subject: Type.String({ maxLength: 1024 }),
    reason: Type.String({ maxLength: 2000 }),
    streamSeq: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()]),
    deliveryCount: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()]),
    payloadLen: Count,
    /** The first DEAD_LETTER_PREVIEW_BYTES of the payload, base64 (attacker-controlled bytes). */
    payloadPreview: Type.String({ maxLength: 8192 }),
  },
  { additionalProperties: false },
);
export type DeadLetterInfo = Static<typeof DeadLetterInfo>;

/** GET /api/dead-letters?limit=N&before=ID — newest first. */
export const DeadLetterPage = Type.Object(
  {
    deadLetters: Type.Array(DeadLetterInfo, { maxItems: DEAD_LETTER_PAGE_MAX }),
    total: Count,
    /** `before` for the next (older) page, null at the end. */
    next: Type.Union([Type.Integer({ minimum: 1 }), Type.Null()]),
  },
  { additionalProperties: false },
);
export type DeadLetterPage = Static<typeof DeadLetterPage>;
