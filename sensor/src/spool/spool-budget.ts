/**
 * The spool's disk budget: bytes of segment files and body files on disk (plus a batch while it
 * is being written), against `maxBytes` and the lower `bodyLimit`. Above `bodyLimit` a flow must
 * come without bodies, above `maxBytes` it is refused; what waits for the disk is bounded too.
 */
import type { AppendResult } from './spool.js';

export class SpoolBudget {
  /** Segment files, body files and the batch being written. */
  diskBytes = 0;

  readonly maxBytes: number;
  readonly bodyLimit: number;
  /** What waits for the disk is held in memory: bounded even when the disk has failed. */
  readonly pendingMax: number;

  constructor(maxBytes: number, bodyLimit: number, pendingMax: number) {
    this.maxBytes = maxBytes;
    this.bodyLimit = bodyLimit;
    this.pendingMax = pendingMax;
  }

  /** Whether a record of `size` bytes (and `fileBytes` of body files) fits; 'spooled' = yes. */
  admit(size: number, fileBytes: number, pendingBytes: number, hasBodies: boolean): AppendResult {
    const used = this.diskBytes + pendingBytes + fileBytes;
    if (hasBodies && used + size > this.bodyLimit) return 'bodies';
    if (used + size > this.maxBytes || pendingBytes + size > this.pendingMax) return 'full';
    return 'spooled';
  }
}
