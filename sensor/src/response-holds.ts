/**
 * The sensor's held responses (write-before-last-byte, see response-hold.ts): each complete
 * response's last bytes wait until its flow is stored. The wait is normally one spool write (well
 * under a millisecond); a sink that fails reports it and the response goes anyway, and a hold that
 * lasts past `maxHoldMs` — a stuck disk — is let go with a warning and counted, so a client is never
 * kept waiting for the sensor's own bookkeeping.
 */
import type { Writable } from 'node:stream';
import type { Logger } from 'pino';
import type { MockttpRequest, MockttpResponse } from './mockttp-internals.js';
import { holdHttp1, holdHttp2, type ResponseHold } from './response-hold.js';

export interface ResponseHolds {
  /** Starts holding the rest of this response (undefined: its connection is gone). */
  hold(req: MockttpRequest, res: MockttpResponse): ResponseHold | undefined;
  /** Releases the hold once `stored` settles (either way). */
  releaseWhen(hold: ResponseHold, stored: Promise<void>): void;
  release(hold: ResponseHold): void;
  /** Responses released because their flow took longer than maxHoldMs to store. */
  late(): number;
  close(): void;
}

export interface ResponseHoldsOptions {
  readonly log: Logger;
  /** Longest a response waits for its flow (default 2 s). */
  readonly maxHoldMs?: number;
}

export function createResponseHolds(options: ResponseHoldsOptions): ResponseHolds {
  const { log } = options;
  const maxHoldMs = options.maxHoldMs ?? 2000;
  /** Holds in the order they started, with when. */
  const held = new Map<ResponseHold, number>();
  let late = 0;
  let lastWarnAt = -Infinity;

  const release = (hold: ResponseHold) => {
    if (held.delete(hold)) hold.release();
  };

  const sweep = () => {
    const now = performance.now();
    let count = 0;
    for (const [hold, since] of held) {
      if (now - since < maxHoldMs) break; // the rest started later
      release(hold);
      count++;
    }
    if (count === 0) return;
    late += count;
    if (Date.now() - lastWarnAt > 10_000) {
      lastWarnAt = Date.now();
      log.warn(
        { released: count, lateTotal: late, maxHoldMs },
        'responses released before their flows were stored (the spool is slow or stuck)',
      );
    }
  };
  const timer = setInterval(sweep, Math.max(10, maxHoldMs / 4));
  timer.unref();

  return {
    hold(req, res) {
      const hold = req.httpVersion.startsWith('2')
        ? holdHttp2((res as unknown as { stream?: Writable }).stream)
        : holdHttp1(res.socket);
      if (hold) held.set(hold, performance.now());
      return hold;
    },
    releaseWhen(hold, stored) {
      const done = () => release(hold);
      stored.then(done, done);
    },
    release,
    late: () => late,
    close() {
      clearInterval(timer);
      for (const hold of [...held.keys()]) release(hold);
    },
  };
}
