/**
 * Converts mockttp's high-resolution timestamps (performance.now()) to epoch milliseconds with a
 * sub-millisecond fraction. The offset follows the wall clock (NTP steps, drift) but only moves
 * when it is off by more than 2 ms, so the timestamps of one flow stay ordered and precise.
 */
import { performance } from 'node:perf_hooks';

export interface EpochClock {
  /** Epoch ms for a performance.now() reading. */
  toEpoch(perfMs: number): number;
  /** The current offset (epoch ms − performance.now()): convert one flow's times with one value. */
  offset(): number;
}

const RECHECK_MS = 1000;
const TOLERANCE_MS = 2;

export function createEpochClock(): EpochClock {
  let offset = performance.timeOrigin;
  let checkedAt = -Infinity;
  const current = () => {
    const now = performance.now();
    if (now - checkedAt >= RECHECK_MS) {
      checkedAt = now;
      const measured = Date.now() - now;
      if (Math.abs(measured - offset) > TOLERANCE_MS) offset = measured;
    }
    return offset;
  };
  return {
    offset: current,
    toEpoch: (perfMs) => current() + perfMs,
  };
}
