/**
 * Holds the end of an HTTP response — its last bytes — until the flow is stored, so a client never
 * has a complete answer whose flow a `kill -9` could still lose (write-before-last-byte).
 *
 * The hold sits below the response object, which must look ended to mockttp (it checks
 * `writableEnded` right after its handler): on HTTP/1 the connection's socket stops handing writes
 * to the kernel (its `_write`/`_writev` are deferred — plain stream backpressure: the response's
 * 'finish' and the next write on the connection simply wait); on HTTP/2 the stream's `_final`, which
 * sends END_STREAM, is deferred. Released, the deferred call runs as it would have.
 */
import type { Writable } from 'node:stream';

export interface ResponseHold {
  /** Lets the held bytes go (idempotent). */
  release(): void;
}

type Deferred = (this: Writable, ...args: unknown[]) => unknown;
type Methods = Record<string, Deferred | undefined>;

/**
 * Replaces `names` on `stream` by stand-ins that keep the call (Writable makes at most one at a
 * time) until released; then the stream's own methods are back and the kept call runs.
 */
function defer(stream: Writable, names: readonly string[]): ResponseHold {
  const target = stream as unknown as Methods;
  const own = new Map<string, Deferred | undefined>();
  let kept: (() => void) | undefined;
  let released = false;
  for (const name of names) {
    const original = target[name];
    if (typeof original !== 'function') continue;
    own.set(name, Object.prototype.hasOwnProperty.call(target, name) ? original : undefined);
    target[name] = function (this: Writable, ...args: unknown[]) {
      if (released) return original.apply(this, args);
      kept = () => void original.apply(this, args);
    };
  }
  return {
    release() {
      if (released) return;
      released = true;
      // last added, first removed: V8 then rolls the object's shape back instead of turning a
      // keep-alive socket into a slow dictionary-mode object for the rest of its life
      for (const [name, original] of [...own].reverse()) {
        if (original) target[name] = original;
        else delete target[name];
      }
      const call = kept;
      kept = undefined;
      // a connection that closed meanwhile has nothing left to send
      if (call && !stream.destroyed) call();
    },
  };
}

/** Starts holding what an HTTP/1 response still sends on its connection (none: gone). */
export function holdHttp1(socket: Writable | null | undefined): ResponseHold | undefined {
  return socket && !socket.destroyed ? defer(socket, ['_write', '_writev']) : undefined;
}

/** Starts holding the end (END_STREAM) of an HTTP/2 response stream (none: gone). */
export function holdHttp2(stream: Writable | undefined): ResponseHold | undefined {
  return stream && !stream.destroyed ? defer(stream, ['_final']) : undefined;
}
