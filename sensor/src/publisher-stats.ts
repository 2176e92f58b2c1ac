/**
 * What the flow publisher reports about itself: the heartbeat's counters and alarms and the
 * sensor's /metrics read it.
 */

export interface PublisherStats {
  /** Flows appended to the spool. */
  readonly spooled: number;
  /** Flows acknowledged by JetStream. */
  readonly published: number;
  /** Flows kept without their bodies because the spool was (nearly) full. */
  readonly droppedBodies: number;
  /** Flows refused (spool full) or unpublishable (over NATS max_payload); each one logged. */
  readonly dropped: number;
  /** Publishes that failed (and were retried). */
  readonly publishErrors: number;
  /** Flows spooled and not yet acknowledged. */
  readonly backlog: number;
  /** Bytes the spool takes on disk, and its budget. */
  readonly spoolBytes: number;
  readonly spoolMaxBytes: number;
  /** fsyncs of the spool since the start. */
  readonly spoolSyncs: number;
  /** Damaged or torn spool records stepped over (each logged). */
  readonly spoolSkipped: number;
  /** What currently keeps flows from going out, if anything. */
  readonly problem: string | undefined;
  /** What an operator must look at (for the heartbeat). */
  readonly alarms: string[];
}
