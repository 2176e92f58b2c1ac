/**
 * Publishes to a JetStream stream and waits for its acknowledgement, cheaply: one reply
 * subscription for all acks and one sweep timer, instead of nats.js's per-message request (a
 * promise, a timer and an Error with a stack for each), which cost the proxy a fifth of its
 * throughput. Semantics are JetStream's: msgID sets Nats-Msg-Id for deduplication.
 */
import { createInbox, headers, type Msg, type NatsConnection, type Subscription } from '@nats-io/transport-node';

export interface PubAck {
  readonly stream: string;
  readonly seq: number;
  readonly duplicate: boolean;
}

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

export interface JetStreamPublisher {
  publish(subject: string, payload: Uint8Array, msgID: string): Promise<PubAck>;
  /** Fails every pending publish and stops listening. */
  close(): void;
}

interface Pending {
  resolve: (ack: PubAck) => void;
  reject: (err: Error) => void;
  deadline: number;
}

const decoder = new TextDecoder();

function parseAck(msg: Msg): PubAck | JetStreamPublishError {
  if (msg.headers?.hasError) {
    const code = msg.headers.code;
    return new JetStreamPublishError(code, code === 503 ? 'no responders: no stream for the subject' : msg.headers.description);
  }
  let data: unknown;
  try {
    data = JSON.parse(decoder.decode(msg.data));
  } catch {
    return new JetStreamPublishError(500, 'unreadable JetStream acknowledgement');
  }
  const ack = data as { stream?: unknown; seq?: unknown; duplicate?: unknown; error?: { code?: unknown; err_code?: unknown; description?: unknown } };
  if (ack.error) {
    const code = typeof ack.error.code === 'number' ? ack.error.code : 500;
    return new JetStreamPublishError(code, `JetStream: ${String(ack.error.description ?? 'error')} (${String(ack.error.err_code ?? code)})`);
  }
  if (typeof ack.stream !== 'string' || typeof ack.seq !== 'number') {
    return new JetStreamPublishError(500, 'unexpected JetStream acknowledgement');
  }
  return { stream: ack.stream, seq: ack.seq, duplicate: ack.duplicate === true };
}

export function createJetStreamPublisher(nc: NatsConnection, timeoutMs: number): JetStreamPublisher {
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
      const ack = parseAck(msg);
      if (ack instanceof JetStreamPublishError) waiting.reject(ack);
      else waiting.resolve(ack);
    },
  });

  const sweep = setInterval(() => {
    const now = Date.now();
    for (const [token, waiting] of pending) {
      if (waiting.deadline > now) continue;
      pending.delete(token);
      waiting.reject(new JetStreamPublishError(408, 'JetStream did not acknowledge in time'));
    }
  }, Math.max(100, Math.min(1000, timeoutMs / 4)));
  sweep.unref();

  return {
    publish(subject, payload, msgID) {
      return new Promise<PubAck>((resolve, reject) => {
        const token = (next++).toString(36);
        const h = headers();
        h.set('Nats-Msg-Id', msgID);
        pending.set(token, { resolve, reject, deadline: Date.now() + timeoutMs });
        try {
          nc.publish(subject, payload, { reply: `${inbox}.${token}`, headers: h });
        } catch (err) {
          pending.delete(token);
          reject(err as Error);
        }
      });
    },
    close() {
      clearInterval(sweep);
      sub.unsubscribe();
      for (const waiting of pending.values()) waiting.reject(new JetStreamPublishError(503, 'publisher closed'));
      pending.clear();
    },
  };
}
