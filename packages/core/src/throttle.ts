/**
 * Calls `fn` at most once per `intervalMs`, dropping calls in between: a dependency that stays down
 * reports an error on every reconnect attempt, and one log line per interval says as much.
 */
export function throttle<A extends unknown[]>(fn: (...args: A) => void, intervalMs: number): (...args: A) => void {
  let last = Number.NEGATIVE_INFINITY;
  return (...args: A) => {
    const now = Date.now();
    if (now - last < intervalMs) return;
    last = now;
    fn(...args);
  };
}
