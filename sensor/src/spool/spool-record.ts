/**
 * A record in the spool: `SpoolRecord` is what the publisher is handed, `SpoolEntry` the spool's
 * own mutable form of it (its place is known only once the group write has put it on disk).
 */
import type { RecordInput, SpoolBlob } from './record-codec.js';

/** A spooled flow, as the publisher gets it. */
export interface SpoolRecord extends RecordInput {
  /** Position in the spool (segment × 2³² + offset) and just past the record. */
  readonly pos: number;
  readonly end: number;
  /** Bytes on disk. */
  readonly size: number;
  /** sha256 of bodies found damaged on disk (left out of `blobs`): drop them from the flow. */
  readonly damaged?: readonly string[];
}

export interface SpoolEntry extends SpoolRecord {
  pos: number;
  end: number;
  /** Waits for the record to be written (then dropped). */
  onWritten?: ((err?: Error) => void) | undefined;
  blobs: readonly SpoolBlob[];
  damaged?: string[];
  acked: boolean;
}
