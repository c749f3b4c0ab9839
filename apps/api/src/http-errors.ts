import { ERROR_CODES, PatchbayError } from "@patchbay/core";
import { isDatabaseUnavailable } from "@patchbay/db";
import type { ErrorRequestHandler, RequestHandler } from "express";
import type { Logger } from "pino";
import type { ZodError } from "zod";

/** Turns a zod error into a 400 that names every bad field. */
export function invalidRequest(what: string, error: ZodError): PatchbayError {
  const details = error.issues.map((i) => ({ path: i.path.join(".") || "(body)", message: i.message }));
  const message = `invalid ${what}: ${details.map((d) => `${d.path}: ${d.message}`).join("; ")}`;
  return new PatchbayError("invalid_request", message, { details });
}

/** 404 for routes that do not exist. */
export const notFoundRoute: RequestHandler = (req, _res, next) => {
  next(new PatchbayError("not_found", `no route for ${req.method} ${req.path}`));
};

interface BodyParserError {
  type: string;
  status: number;
  message: string;
}

function isBodyParserError(err: unknown): err is BodyParserError {
  return typeof err === "object" && err !== null && "type" in err && "status" in err;
}

function toHttpError(err: unknown): { status: number; error: PatchbayError } {
  if (err instanceof PatchbayError) return { status: ERROR_CODES[err.code].http, error: err };
  if (isBodyParserError(err)) {
    const message =
      err.type === "entity.too.large"
        ? "request body is too large"
        : err.type === "entity.parse.failed"
          ? `request body is not valid JSON: ${err.message}`
          : err.message;
    return { status: err.status, error: new PatchbayError("invalid_request", message) };
  }
  if (isDatabaseUnavailable(err)) {
    return { status: 503, error: new PatchbayError("unavailable", "the database is unavailable; retry later") };
  }
  return { status: 500, error: new PatchbayError("internal", "internal error") };
}

/** The JSON error envelope `{error: {code, message, details?}}`; never a stack trace. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const { status, error } = toHttpError(err);
    if (status >= 500) logger.error({ err, path: req.path }, "request failed");
    if (error.code === "unavailable") res.setHeader("Retry-After", "5");
    res.status(status).json({
      error: { code: error.code, message: error.message, ...(error.details ? { details: error.details } : {}) },
    });
  };
}
