import { PatchbayError } from "@patchbay/core";

/** The HTTP status the Docker Engine answered with, when the error came from it. */
export function engineStatus(err: unknown): number | undefined {
  if (typeof err !== "object" || err === null || !("statusCode" in err)) return undefined;
  const status = (err as { statusCode: unknown }).statusCode;
  return typeof status === "number" ? status : undefined;
}

/** True when the engine says the container (or exec) does not exist (any more). */
export function isNotFound(err: unknown): boolean {
  return engineStatus(err) === 404;
}

/** Wraps an engine failure as a retryable `sandbox_failed`; PatchbayErrors pass through. */
export function sandboxFailed(action: string, err: unknown): PatchbayError {
  if (err instanceof PatchbayError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new PatchbayError("sandbox_failed", `Sandbox ${action} failed: ${message}`, { cause: err });
}

/** Runs an engine call, turning its failures into `sandbox_failed`. */
export async function engineCall<T>(action: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw sandboxFailed(action, err);
  }
}
