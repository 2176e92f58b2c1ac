/**
 * Where captured flows go. The sensor hands every finished flow to one FlowSink: NATS (the
 * distributed deployment), a HAR file, or — in standalone mode — the database directly. A sink
 * must not block capture: `write` should only enqueue, and it must never drop a flow silently.
 */
import type { FlowMessage } from '@honeyproxy/protocol';
import type { BodyFile } from './body-spill.js';

export interface CapturedFlow {
  /** The wire message; ref bodies point at entries of `bodies`. */
  flow: FlowMessage;
  /** Out-of-line bodies (those over INLINE_BODY_MAX), keyed by sha256 hex. */
  bodies: ReadonlyMap<string /* sha256 */, Uint8Array>;
  /**
   * Out-of-line bodies kept in files (past the spill threshold), keyed by sha256; absent when
   * none. A file exists until the sink's `write` settles: a sink that keeps the body longer reads
   * it (withBodiesInMemory) or links it (the spool) within `write`.
   */
  bodyFiles?: ReadonlyMap<string /* sha256 */, BodyFile>;
}

export interface FlowSink {
  /** Settles once the flow is stored (as far as this sink stores it) or refused. */
  write(c: CapturedFlow): Promise<void>;
  /**
   * True when `write` settles as soon as the flow would survive the sensor being killed (written
   * to the disk spool, in page cache) — quickly enough that the sensor holds each response's last
   * bytes until then (write-before-last-byte). Sinks that store slowly (a database) leave it unset.
   */
  readonly holdResponses?: boolean;
  /** Flushes what was accepted, then releases the sink's resources. */
  close(): Promise<void>;
}
