/**
 * Flow messages, protocol v1: what a sensor publishes for each captured HTTP exchange. This TypeBox
 * schema is the single definition of the wire contract — the runtime validator (NATS ingest, HAR
 * import, API responses, browser) and, via `Static`, the TypeScript type. Shape changes bump `v`.
 */
import { Type, type Static, type TSchema } from 'typebox';
import { Body, BodyMeta } from './body.js';
import { LIMITS, SENSOR_ID_PATTERN } from './limits.js';

export const FLOW_SCHEMA_VERSION = 1;

/** UUID (v7 from sensors: time-ordered, so id order is start order). */
export const FlowId = Type.String({
  pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$',
});

export const SensorId = Type.String({ pattern: SENSOR_ID_PATTERN });

const Str = (maxLength: number) => Type.String({ maxLength });
const Port = Type.Integer({ minimum: 0, maximum: 65535 });
const EpochMs = Type.Number({ minimum: 0 });

export const HeaderPairs = Type.Array(
  Type.Tuple([Str(LIMITS.headerNameLen), Str(LIMITS.headerValueLen)]),
  { maxItems: LIMITS.headerPairs },
);
export type HeaderPairs = Static<typeof HeaderPairs>;

export const Certificate = Type.Object(
  {
    subject: Str(LIMITS.certTextLen),
    issuer: Str(LIMITS.certTextLen),
    san: Type.Array(Str(LIMITS.hostLen), { maxItems: LIMITS.certSans }),
    serialNumber: Str(LIMITS.tlsFieldLen),
    notBefore: Str(64),
    notAfter: Str(64),
    sha256: Type.String({ pattern: '^[0-9A-F]{2}(:[0-9A-F]{2}){31}$' }),
    pem: Str(LIMITS.pemLen),
  },
  { additionalProperties: false },
);
export type Certificate = Static<typeof Certificate>;

/** The sensor's TLS connection to the real server. */
export const UpstreamTls = Type.Object(
  {
    version: Type.Optional(Str(LIMITS.tlsFieldLen)),
    cipher: Type.Optional(Str(LIMITS.tlsFieldLen)),
    alpn: Type.Optional(Str(LIMITS.tlsFieldLen)),
    /** Whether the chain verified against the sensor's trust store (recorded, never enforced). */
    authorized: Type.Boolean(),
    authorizationError: Type.Optional(Str(LIMITS.tlsFieldLen)),
    /** Leaf first. */
    certificates: Type.Array(Certificate, { maxItems: LIMITS.certs }),
  },
  { additionalProperties: false },
);
export type UpstreamTls = Static<typeof UpstreamTls>;

/** TLS as seen on the client's side (client ↔ sensor), plus the upstream side when there was one. */
export const FlowTls = Type.Object(
  {
    version: Type.Optional(Str(LIMITS.tlsFieldLen)),
    cipher: Type.Optional(Str(LIMITS.tlsFieldLen)),
    alpn: Type.Optional(Str(LIMITS.tlsFieldLen)),
    ja3: Type.Optional(Str(LIMITS.tlsFieldLen)),
    ja4: Type.Optional(Str(LIMITS.tlsFieldLen)),
    upstream: Type.Optional(UpstreamTls),
  },
  { additionalProperties: false },
);
export type FlowTls = Static<typeof FlowTls>;

export const ErrorKind = Type.Union([
  Type.Literal('client-abort'),
  Type.Literal('upstream-unreachable'),
  Type.Literal('tls-failure'),
  Type.Literal('protocol'),
  Type.Literal('blocked'),
]);
export type ErrorKind = Static<typeof ErrorKind>;

export const FlowError = Type.Object(
  {
    kind: ErrorKind,
    /** Machine-readable cause when known (ECONNREFUSED, ENOTFOUND, HPE_INVALID_METHOD…). */
    code: Type.Optional(Str(LIMITS.tlsFieldLen)),
    message: Str(LIMITS.errorMessageLen),
  },
  { additionalProperties: false },
);
export type FlowError = Static<typeof FlowError>;

function flowSchema<B extends TSchema>(body: B) {
  return Type.Object(
    {
      v: Type.Literal(FLOW_SCHEMA_VERSION),
      flowId: FlowId,
      sensorId: SensorId,
      mode: Type.Union([Type.Literal('transparent'), Type.Literal('explicit')]),
      ts: Type.Object(
        {
          start: EpochMs,
          requestEnd: Type.Optional(EpochMs),
          responseStart: Type.Optional(EpochMs),
          end: Type.Optional(EpochMs),
        },
        { additionalProperties: false },
      ),
      client: Type.Object({ ip: Str(LIMITS.ipLen), port: Port }, { additionalProperties: false }),
      server: Type.Object(
        {
          /** The address actually connected to (absent when it never resolved). */
          ip: Type.Optional(Str(LIMITS.ipLen)),
          port: Port,
          /** Host header / :authority / CONNECT host, as the client said it. */
          host: Type.Optional(Str(LIMITS.hostLen)),
          sni: Type.Optional(Str(LIMITS.hostLen)),
          hostMismatch: Type.Optional(Type.Boolean()),
        },
        { additionalProperties: false },
      ),
      tls: Type.Optional(FlowTls),
      request: Type.Object(
        {
          method: Str(LIMITS.methodLen),
          url: Str(LIMITS.urlLen),
          httpVersion: Str(LIMITS.httpVersionLen),
          headers: HeaderPairs,
          body,
        },
        { additionalProperties: false },
      ),
      response: Type.Optional(
        Type.Object(
          {
            status: Type.Integer({ minimum: 0, maximum: 999 }),
            reason: Str(LIMITS.reasonLen),
            httpVersion: Str(LIMITS.httpVersionLen),
            headers: HeaderPairs,
            body,
          },
          { additionalProperties: false },
        ),
      ),
      error: Type.Optional(FlowError),
      anomalies: Type.Array(Str(LIMITS.anomalyLen), { maxItems: LIMITS.anomalies }),
    },
    { additionalProperties: false },
  );
}

/** A flow as published by a sensor: bodies inline or by reference. */
export const FlowMessage = flowSchema(Body);
export type FlowMessage = Static<typeof FlowMessage>;

/** A flow as the API returns it: the same shape, bodies as metadata only. */
export const FlowRecord = flowSchema(BodyMeta);
export type FlowRecord = Static<typeof FlowRecord>;
