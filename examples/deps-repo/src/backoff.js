import ms from "ms";

/**
 * Retry delays for a client that backs off exponentially.
 * Durations come from configuration either as strings ("500ms", "2s", "1m") or as numbers of
 * milliseconds.
 */

/** A duration in milliseconds; throws a RangeError for anything that is not a duration. */
export function toMillis(value) {
  const millis = ms(value);
  if (typeof millis !== "number" || !Number.isFinite(millis) || millis < 0) {
    throw new RangeError(`not a duration: ${JSON.stringify(value)}`);
  }
  return millis;
}

/** The delay before each retry: `initial`, multiplied by `factor` each time, never above `max`. */
export function retryDelays({ initial = "500ms", max = "30s", factor = 2, retries = 5 } = {}) {
  const first = toMillis(initial);
  const cap = toMillis(max);
  const delays = [];
  for (let attempt = 0; attempt < retries; attempt++) delays.push(Math.min(first * factor ** attempt, cap));
  return delays;
}
