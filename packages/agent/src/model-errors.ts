import { PatchbayError } from "@patchbay/core";
import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from "openai";

/** A streamed response that ended (or broke) before its final event: worth another try. */
export class StreamDroppedError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "StreamDroppedError";
  }
}

/** How the retry loop treats a failed model call. */
export type ModelFailure =
  /** Give up at once with this error (4xx, a failed response, cancellation, a bug). */
  | { kind: "fatal"; error: unknown }
  /** Try again after a backoff; `error` is what is thrown once the retries are used up. */
  | { kind: "transient"; error: PatchbayError; reason: string; retryAfterMs?: number };

// Statuses that a later identical request may get through: OpenAI's own retry list.
const TRANSIENT_STATUS = new Set([408, 409, 429]);
// Errors of a connection that was never made: the endpoint is wrong or down, not flaky.
const NEVER_CONNECTED = /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|bad port|EHOSTUNREACH|ENETUNREACH/;

/** Classifies what an adapter threw, with the PatchbayError each outcome ends in. */
export function classifyModelError(err: unknown, baseURL: string): ModelFailure {
  if (err instanceof PatchbayError) return { kind: "fatal", error: err };
  if (err instanceof APIUserAbortError) {
    return { kind: "fatal", error: new PatchbayError("cancelled", "The model request was aborted.", { cause: err }) };
  }
  if (err instanceof APIConnectionError) return connectionFailure(err, baseURL);
  if (err instanceof APIError) return httpFailure(err);
  if (err instanceof StreamDroppedError) {
    const error = new PatchbayError(
      "model_unavailable",
      `The model endpoint ${baseURL} dropped the stream: ${err.message}`,
      {
        cause: err,
        details: { baseURL },
      },
    );
    return { kind: "transient", error, reason: `stream dropped (${err.message})` };
  }
  return { kind: "fatal", error: err };
}

function connectionFailure(err: APIConnectionError, baseURL: string): ModelFailure {
  const reason = err instanceof APIConnectionTimeoutError ? "Request timed out." : describeCauses(err);
  const unreachable = NEVER_CONNECTED.test(reason);
  const error = unreachable
    ? new PatchbayError("model_unreachable", `Cannot reach the model endpoint ${baseURL}: ${reason}`, {
        cause: err,
        details: { baseURL },
      })
    : new PatchbayError("model_unavailable", `The model endpoint ${baseURL} failed: ${reason}`, {
        cause: err,
        details: { baseURL },
      });
  return { kind: "transient", error, reason };
}

function httpFailure(err: APIError): ModelFailure {
  const status = err.status ?? null;
  const message = apiErrorMessage(err);
  const details = { status, type: err.type ?? null, code: err.code ?? null, requestId: err.requestID ?? null };
  const transient = status !== null && (TRANSIENT_STATUS.has(status) || status >= 500);
  if (!transient) {
    const error = new PatchbayError("model_error", `The model endpoint answered ${status ?? "an error"}: ${message}`, {
      cause: err,
      details,
    });
    return { kind: "fatal", error };
  }
  const error = new PatchbayError("model_unavailable", `The model endpoint kept answering ${status}: ${message}`, {
    cause: err,
    details,
  });
  const retryAfterMs = retryAfter(err.headers);
  return {
    kind: "transient",
    error,
    reason: `${status} ${message}`,
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
  };
}

/** The wait a server asked for: `retry-after-ms`, else `retry-after` in seconds or as a date. */
export function retryAfter(headers: Headers | undefined): number | undefined {
  const ms = Number.parseFloat(headers?.get("retry-after-ms") ?? "");
  if (Number.isFinite(ms) && ms >= 0) return ms;
  const raw = headers?.get("retry-after");
  if (!raw) return undefined;
  const seconds = Number.parseFloat(raw);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(raw);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
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
