import { PatchbayError } from "@patchbay/core";
import { APIConnectionError, APIError, APIUserAbortError } from "openai";

/**
 * Maps what the OpenAI SDK throws (after its own retries) to Patchbay's codes: no answer at all
 * is model_unreachable, an HTTP error is model_error with its status. Anything else is
 * returned unchanged: it is a bug, not a model problem.
 */
export function toModelError(err: unknown, baseURL: string): unknown {
  if (err instanceof PatchbayError) return err;
  if (err instanceof APIUserAbortError) {
    return new PatchbayError("cancelled", "The model request was aborted.", { cause: err });
  }
  if (err instanceof APIConnectionError) {
    const reason = describeCauses(err);
    return new PatchbayError("model_unreachable", `Cannot reach the model endpoint ${baseURL}: ${reason}`, {
      cause: err,
      details: { baseURL },
    });
  }
  if (err instanceof APIError) {
    const status = err.status ?? null;
    const message = apiErrorMessage(err);
    return new PatchbayError("model_error", `The model endpoint answered ${status ?? "an error"}: ${message}`, {
      cause: err,
      details: { status, type: err.type ?? null, code: err.code ?? null, requestId: err.requestID ?? null },
    });
  }
  return err;
}

function apiErrorMessage(err: APIError): string {
  const body = err.error as { message?: unknown } | undefined;
  return typeof body?.message === "string" ? body.message : err.message;
}

/** "Connection error. (fetch failed; connect ECONNREFUSED 127.0.0.1:1)" from the cause chain. */
function describeCauses(err: Error): string {
  const parts: string[] = [];
  let cause: unknown = err.cause;
  for (let depth = 0; cause instanceof Error && depth < 5; depth++) {
    parts.push(cause.message);
    cause = cause.cause;
  }
  return parts.length === 0 ? err.message : `${err.message} (${parts.join("; ")})`;
}
