import { PatchbayError } from "@patchbay/core";
import type { ErrorRequestHandler } from "express";

function retryAfterOf(err: PatchbayError): number | null {
  const details = err.details as { retryAfterSec?: unknown } | undefined;
  return typeof details?.retryAfterSec === "number" ? details.retryAfterSec : null;
}

/**
 * Adds the headers access errors carry (`WWW-Authenticate` on 401, `Retry-After` on 429) and
 * passes the error on to the JSON error handler.
 */
export const accessErrorHeaders: ErrorRequestHandler = (err, _req, res, next) => {
  if (err instanceof PatchbayError && !res.headersSent) {
    if (err.code === "unauthorized") res.setHeader("WWW-Authenticate", 'Bearer realm="patchbay"');
    const retryAfter = err.code === "rate_limited" ? retryAfterOf(err) : null;
    if (retryAfter !== null) res.setHeader("Retry-After", String(retryAfter));
  }
  next(err);
};
