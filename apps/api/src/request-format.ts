import { PatchbayError } from "@patchbay/core";
import type { Request, RequestHandler } from "express";
import type { Logger } from "pino";

/** Routes whose body is not (only) JSON, and what they take instead. */
interface OtherBody {
  method: string;
  path: RegExp;
  /** Types accepted (`req.is` patterns); undefined: any (a raw upload). */
  types?: string[];
  /** How the 415 names them. */
  expected?: string;
}

const JSON_TYPES = ["application/json", "application/*+json"];

const OTHER_BODIES: readonly OtherBody[] = [
  // A git bundle's bytes, whatever the client calls them.
  { method: "POST", path: /^\/v1\/sources\/?$/ },
  {
    method: "POST",
    path: /^\/v1\/projects\/[^/]+\/docs\/?$/,
    types: [...JSON_TYPES, "text/*"],
    expected: "application/json, or text/* with ?path=",
  },
];

/**
 * Answers 415 naming the expected type when a POST, PUT or PATCH carries a body that is not JSON
 * where the route reads JSON: express.json leaves such a body unread, and the request would
 * otherwise fail as if every field were missing.
 */
export const requireJsonBody: RequestHandler = (req, _res, next) => {
  if (!["POST", "PUT", "PATCH"].includes(req.method) || !hasBody(req)) return next();
  const other = OTHER_BODIES.find((route) => route.method === req.method && route.path.test(req.path));
  if (other && other.types === undefined) return next();
  if (req.is(other?.types ?? JSON_TYPES)) return next();
  const sent = req.get("content-type");
  const expected = other?.expected ?? "application/json";
  next(
    new PatchbayError(
      "unsupported_media_type",
      `the body must be sent with Content-Type: ${expected} (${sent ? `got ${sent.slice(0, 100)}` : "none was sent"})`,
    ),
  );
};

function hasBody(req: Request): boolean {
  const length = req.get("content-length");
  return req.get("transfer-encoding") !== undefined || (length !== undefined && length !== "0");
}

/**
 * Logs each request when its answer is sent: method, the full path with its ids (not the
 * router-relative one, which cannot tell a job submit from a schedule create), status, time.
 * The query string is left out: it may carry secrets.
 */
export function accessLog(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const start = performance.now();
    res.on("finish", () => {
      const ms = Math.round(performance.now() - start);
      logger.info({ method: req.method, path: fullPath(req), status: res.statusCode, ms }, "request");
    });
    next();
  };
}

/** The request's path as the client sent it, without the query string. */
export function fullPath(req: Request): string {
  const url = req.originalUrl || req.url;
  const query = url.indexOf("?");
  return query < 0 ? url : url.slice(0, query);
}
