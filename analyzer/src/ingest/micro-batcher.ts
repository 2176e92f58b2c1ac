/**
 * Groups items from an async iterator into batches: a batch is returned as soon as it is full, or
 * `maxWaitMs` after its first item arrived — so a trickle of flows is stored within milliseconds and
 * a flood in large transactions. A read still pending when a batch closes is kept for the next one.
 */

export interface MicroBatcher<T> {
  /** The next batch, or null when the source has ended. */
  next(): Promise<T[] | null>;
}

const TIMEOUT = Symbol('timeout');

export function createMicroBatcher<T>(
  source: AsyncIterable<T>,
  options: { max: number; maxWaitMs: number },
): MicroBatcher<T> {
  const iterator = source[Symbol.asyncIterator]();
  let pending: Promise<IteratorResult<T>> | undefined;
  let ended = false;

  const read = () => (pending ??= iterator.next());

  return {
    async next() {
      if (ended) return null;
      const first = await read();
      pending = undefined;
      if (first.done) {
        ended = true;
        return null;
      }
      const batch = [first.value];
      const deadline = Date.now() + options.maxWaitMs;
      while (batch.length < options.max) {
        const wait = deadline - Date.now();
        if (wait <= 0) break;
        let timer: NodeJS.Timeout | undefined;
        const result = await Promise.race([
          read(),
          new Promise<typeof TIMEOUT>((resolve) => {
            timer = setTimeout(() => resolve(TIMEOUT), wait);
          }),
        ]);
        clearTimeout(timer);
        if (result === TIMEOUT) break;
        pending = undefined;
        if (result.done) {
          ended = true;
          break;
        }
        batch.push(result.value);
      }
      return batch;
    },
  };
}
