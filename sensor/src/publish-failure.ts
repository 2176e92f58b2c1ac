/**
 * Why a publish to JetStream failed, in words an operator can act on: the sink's `problem`, the
 * heartbeat's alarm and the log line all say it this way.
 */
import { BODIES_BUCKET } from '@honeyproxy/protocol';
import { JetStreamPublishError } from './jetstream-publisher.js';

/** Why a publish failed, in words an operator can act on. */
export function describeFailure(err: unknown, stage: 'body' | 'flow'): string {
  if (err instanceof JetStreamPublishError) {
    if (err.code === 503) return 'FLOWS stream missing (the analyzer creates it)';
    if (err.code === 408) return 'JetStream did not acknowledge in time';
  }
  const text = `${(err as Error)?.name ?? ''} ${(err as Error)?.message ?? String(err)}`;
  if (/no responders|503/i.test(text)) {
    return stage === 'flow'
      ? 'FLOWS stream missing (the analyzer creates it)'
      : 'JetStream unavailable';
  }
  if (/stream not found|10059/i.test(text))
    return `${BODIES_BUCKET} object store missing (the analyzer creates it)`;
  if (/timeout/i.test(text)) return 'JetStream did not acknowledge in time';
  if (/permission/i.test(text)) return 'NATS permission denied';
  return `publish failed: ${text.trim().slice(0, 200)}`;
}
