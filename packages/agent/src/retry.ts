import { setTimeout as sleep } from "node:timers/promises";
import { PatchbayError } from "@patchbay/core";
import { classifyModelError } from "./model-errors.js";

/** How often and how patiently a failing model call is tried again. */
export interface RetryPolicy {
  maxRetries: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

/** Defaults: two retries, 1 s then 2 s (with jitter), Retry-After honoured up to a minute. */
export const DEFAULT_RETRY: RetryPolicy = { maxRetries: 2, baseDelayMs: 1000, maxDelayMs: 60_000 };

/** One retry about to happen, for the event log. */
export interface RetryNotice {
  retry: number;
  maxRetries: number;
  delayMs: number;
  reason: string;
}

/** What withRetries needs besides the call. */
export interface RetryOptions {
  policy: RetryPolicy;
  baseURL: string;
  signal: AbortSignal;
  onRetry: (notice: RetryNotice) => void;
}

/**
 * Calls `call` until it succeeds, a failure is not transient (4xx: thrown at once), or the retries
 * are used up (the last failure's model_unavailable / model_unreachable is thrown, with
 * details.attempts). Waits with exponential backoff and jitter, or what Retry-After asks for.
 */
export async function withRetries<T>(call: () => Promise<T>, options: RetryOptions): Promise<T> {
  const { policy } = options;
  for (let attempt = 0; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      const failure = classifyModelError(err, options.baseURL);
      if (failure.kind === "fatal") throw failure.error;
      const attempts = attempt + 1;
      if (attempt >= policy.maxRetries) throw withAttempts(failure.error, attempts, "");
      const delayMs = failure.retryAfterMs ?? backoff(attempt, policy);
      if (delayMs > policy.maxDelayMs) {
        throw withAttempts(
          failure.error,
          attempts,
          ` (the endpoint asked to retry after ${Math.round(delayMs / 1000)} s)`,
        );
      }
      options.onRetry({
        retry: attempts,
        maxRetries: policy.maxRetries,
        delayMs: Math.round(delayMs),
        reason: failure.reason,
      });
      await sleep(delayMs, undefined, { signal: options.signal });
    }
  }
}

/** base·2^attempt capped at maxDelayMs, scaled by a random 50–100 % so clients do not sync up. */
export function backoff(attempt: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
  return ceiling * (0.5 + random() / 2);
}

function withAttempts(error: PatchbayError, attempts: number, note: string): PatchbayError {
  const details = { ...(error.details as Record<string, unknown> | undefined), attempts };
  const message = `${error.message}${attempts > 1 ? ` (after ${attempts} attempts)` : ""}${note}`;
  return new PatchbayError(error.code, message, { cause: error.cause, details });
}
