/**
 * Where captured flows go. The sensor hands every finished flow to one FlowSink: NATS (the
 * distributed deployment), a HAR file, or — in standalone mode — the database directly. A sink
 * must not block capture: `write` should only enqueue, and it must never drop a flow silently.
 */
import type { FlowMessage } from '@honeyproxy/protocol';

export interface CapturedFlow {
  /** The wire message; ref bodies point at entries of `bodies`. */
  flow: FlowMessage;
  /** Out-of-line bodies (those over INLINE_BODY_MAX), keyed by sha256 hex. */
  bodies: ReadonlyMap<string /* sha256 */, Uint8Array>;
}

export interface FlowSink {
  write(c: CapturedFlow): Promise<void>;
  /** Flushes what was accepted, then releases the sink's resources. */
  close(): Promise<void>;
}
