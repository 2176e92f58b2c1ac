/**
 * Publishes to a JetStream stream and waits for its acknowledgement, cheaply: one reply
 * subscription for all acks, one sweep timer and a callback per message, instead of nats.js's
 * per-message request (a promise, a timer and an Error with a stack for each), which was a large
 * share of the sensor's CPU profile. Semantics are JetStream's: msgID sets Nats-Msg-Id, so a
 * re-publish within the stream's duplicate window is stored once.
 */
import {
  createInbox,
  headers,
  type Msg,
  type MsgHdrs,
  type NatsConnection,
  type Subscription,
} from '@nats-io/transport-node';

/** A publish that JetStream refused or never acknowledged. */
export class JetStreamPublishError extends Error {
  override readonly name = 'JetStreamPublishError';
  /** 503 = no stream listens on the subject; 408 = no ack in time; else JetStream's error code. */
  readonly code: number;
  constructor(code: number, message: string) {
    super(message);
    this.code = code;
  }
}

/** Called once per publish: without an argument when JetStream stored (or deduplicated) it. */
export type PublishDone = (err?: JetStreamPublishError) => void;

export interface JetStreamPublisher {
  publish(subject: string, payload: Uint8Array, msgID: string, done: PublishDone): void;
  /** Fails every pending publish and stops listening. */
  close(): void;
}

interface Pending {
  done: PublishDone;
  deadline: number;
}

const decoder = new TextDecoder();
const LETTER_E = 0x65;

/**
 * The one header a flow carries (Nats-Msg-Id), already in wire form. nats.js builds a header map,
 * validates, stringifies and encodes it for every message (~3 µs; a tenth of that as a template);
 * publishing reads nothing from it but `encode()`. The sink's tests read the header back and
 * check JetStream's deduplication by it, so a nats.js that needed more would fail them.
 */
function msgIdHeader(msgID: string): MsgHdrs {
  if (/[^\x21-\x7e]/.test(msgID)) {
    // not a flow id (those are UUIDs): nats.js's own header, with its checks
    const h = headers();
    h.set('Nats-Msg-Id', msgID);
    return h;
  }
  const wire = Buffer.from(`NATS/1.0\r\nNats-Msg-Id: ${msgID}\r\n\r\n`, 'latin1');
  return { encode: () => wire } as unknown as MsgHdrs;
}

/** Undefined for a positive ack ({"stream":…,"seq":…}), else the failure. */
function ackFailure(msg: Msg): JetStreamPublishError | undefined {
  // a positive ack is the common case: recognise it without parsing ('{"s…' vs '{"error"…')
  if (msg.data.length > 2 && msg.data[2] !== LETTER_E && !msg.headers) return undefined;
  if (msg.headers?.hasError) {
    const code = msg.headers.code;
    return new JetStreamPublishError(
      code,
      code === 503 ? 'no responders: no stream for the subject' : msg.headers.description,
    );
  }
  let data: unknown;
  try {
    data = JSON.parse(decoder.decode(msg.data));
  } catch {
    return new JetStreamPublishError(500, 'unreadable JetStream acknowledgement');
  }
  const ack = data as {
    stream?: unknown;
    seq?: unknown;
    error?: { code?: unknown; err_code?: unknown; description?: unknown };
  };
  if (ack.error) {
    const code = typeof ack.error.code === 'number' ? ack.error.code : 500;
    const description = typeof ack.error.description === 'string' ? ack.error.description : 'error';
    const errCode = typeof ack.error.err_code === 'number' ? ack.error.err_code : code;
    return new JetStreamPublishError(code, `JetStream: ${description} (${errCode})`);
  }
  if (typeof ack.stream !== 'string' || typeof ack.seq !== 'number') {
    return new JetStreamPublishError(500, 'unexpected JetStream acknowledgement');
  }
  return undefined;
}

export function createJetStreamPublisher(
  nc: NatsConnection,
  timeoutMs: number,
): JetStreamPublisher {
  const inbox = createInbox();
  const pending = new Map<string, Pending>();
  let next = 0;

  const sub: Subscription = nc.subscribe(`${inbox}.*`, {
    callback: (err, msg) => {
      if (err) return; // the subscription closes with the connection; the sweep fails what is left
      const token = msg.subject.slice(inbox.length + 1);
      const waiting = pending.get(token);
      if (!waiting) return; // an ack after its timeout: the retry is deduplicated by msgID
      pending.delete(token);
      waiting.done(ackFailure(msg));
    },
  });

  const sweep = setInterval(
    () => {
      const now = Date.now();
      for (const [token, waiting] of pending) {
        if (waiting.deadline > now) continue;
        pending.delete(token);
        waiting.done(new JetStreamPublishError(408, 'JetStream did not acknowledge in time'));
      }
    },
    Math.max(100, Math.min(1000, timeoutMs / 4)),
  );
  sweep.unref();

  return {
    publish(subject, payload, msgID, done) {
      const token = (next++).toString(36);
      pending.set(token, { done, deadline: Date.now() + timeoutMs });
      try {
        nc.publish(subject, payload, { reply: `${inbox}.${token}`, headers: msgIdHeader(msgID) });
      } catch (err) {
        pending.delete(token);
        done(new JetStreamPublishError(503, err instanceof Error ? err.message : String(err)));
      }
    },
    close() {
      clearInterval(sweep);
      sub.unsubscribe();
      for (const waiting of pending.values()) {
        waiting.done(new JetStreamPublishError(503, 'publisher closed'));
      }
      pending.clear();
    },
  };
}
