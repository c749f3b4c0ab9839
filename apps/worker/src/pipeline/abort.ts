import { PatchbayError } from "@patchbay/core";

/** Why a job's run was aborted from outside its pipeline. */
export type AbortReason = "cancelled" | "timed_out" | "shutdown" | "superseded";

/** The reason an AbortSignal carries, when it is one of ours. */
export function abortReason(signal: AbortSignal): AbortReason | null {
  const r: unknown = signal.reason;
  return r === "cancelled" || r === "timed_out" || r === "shutdown" || r === "superseded" ? r : null;
}

/**
 * Settles with the promise, or rejects as soon as the signal aborts: a phase blocked on a
 * command or a model call must not hold up cancellation (its container is being removed).
 */
export function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    // The work was already started: its own failure no longer matters, but must not go unhandled.
    promise.catch(() => {});
    return Promise.reject(abortError(signal));
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortError(signal));
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener("abort", onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(e);
      },
    );
  });
}

/** The job reached limits.timeoutSec (its own timer, or the agent's deadline that counts from the same start). */
export function jobTimedOut(options?: { details?: unknown; cause?: unknown }): PatchbayError {
  return new PatchbayError("timed_out", "the job reached its time limit (limits.timeoutSec)", options);
}

function abortError(signal: AbortSignal): PatchbayError {
  const reason = abortReason(signal);
  if (reason === "timed_out") return jobTimedOut();
  if (reason === "shutdown") return new PatchbayError("unavailable", "the worker is shutting down");
  if (reason === "superseded") return new PatchbayError("worker_lost", "another worker took this job over");
  return new PatchbayError("cancelled", "the job was cancelled");
}
