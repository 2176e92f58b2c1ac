/**
 * Live events across analyzers: the analyzer that committed a flow publishes its summary on core
 * NATS, and every analyzer (itself included) relays what it hears on LIVE_SUBJECT to its own hub.
 * So an analyst sees every new flow whichever analyzer stored it. Live events are best effort: lost
 * ones are still in the database.
 */
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import type { Logger } from '@honeyproxy/common';
import {
  LIVE_SUBJECT,
  liveMessageCodec,
  type FlowSummary,
  type LiveMessage,
} from '@honeyproxy/protocol';
import type { LiveHub } from '../live/live-hub.js';

/** Publishes summaries of newly stored flows (never throws). */
export function createLivePublisher(
  nc: NatsConnection,
  log: Logger,
): (flows: readonly FlowSummary[]) => void {
  return (flows) => {
    try {
      for (const flow of flows) {
        const message: LiveMessage = { type: 'flow', flow };
        nc.publish(LIVE_SUBJECT, JSON.stringify(message));
      }
    } catch (err) {
      log.debug(
        { error: err instanceof Error ? err.message : String(err) },
        'live event not published',
      );
    }
  };
}

/** Feeds every valid live message heard on NATS into `hub`; returns the subscription. */
export function startLiveRelay(nc: NatsConnection, hub: LiveHub, log: Logger): Subscription {
  let invalid = 0;
  return nc.subscribe(LIVE_SUBJECT, {
    callback: (err, msg) => {
      if (err) return log.warn({ error: err.message }, 'live subscription failed');
      // Nobody watching here: skip validating every summary (a few % of ingest CPU at full rate).
      if (hub.size === 0) return;
      try {
        const message = liveMessageCodec.decodeJson(msg.data);
        if (message.type === 'flow') hub.publish(message.flow);
      } catch {
        // Someone published garbage on the live subject: count it, never forward it.
        if (invalid++ % 1000 === 0) log.warn({ invalid }, 'invalid live message ignored');
      }
    },
  });
}
