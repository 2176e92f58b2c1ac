/**
 * Rate-limits a repeated report (a log line per refused flow would flood the log while the spool
 * is full): the first call goes through, later ones within `ms` are only counted.
 */

/** Calls `fn` at most once per `ms` with how many calls it swallowed since. */
export function throttled<A>(
  ms: number,
  fn: (arg: A, suppressed: number) => void,
): (arg: A) => void {
  let last = -Infinity;
  let suppressed = 0;
  return (arg) => {
    const now = Date.now();
    if (now - last < ms) {
      suppressed++;
      return;
    }
    last = now;
    fn(arg, suppressed);
    suppressed = 0;
  };
}
