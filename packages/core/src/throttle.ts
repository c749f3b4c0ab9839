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

/** What outageWarnings needs of a logger (pino's fits). */
export interface WarnLogger {
  warn(obj: object, msg: string): void;
}

/**
 * Error listeners for the Redis connections and Postgres pools of a process: while a service is
 * down each reconnect fails, and one warning per 10 s says so.
 */
export function outageWarnings(logger: WarnLogger): {
  onRedisError: (err: Error) => void;
  onPoolError: (err: Error) => void;
} {
  return {
    onRedisError: throttle((err: Error) => logger.warn({ err: err.message }, "redis error; reconnecting"), 10_000),
    onPoolError: throttle((err: Error) => logger.warn({ err: err.message }, "postgres connection lost"), 10_000),
  };
}
