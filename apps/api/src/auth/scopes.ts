import { PatchbayError } from "@patchbay/core";
import { type ApiScope, hasScope } from "@patchbay/db";
import type { RequestHandler } from "express";
import { authOf } from "./context.js";

/** 403 unless the caller's key has `scope` (or `admin`). */
export function requireScope(scope: ApiScope): RequestHandler {
  return (req, _res, next) => {
    if (!hasScope(authOf(req).scopes, scope)) {
      throw new PatchbayError("forbidden", `this API key lacks the ${scope} scope`);
    }
    next();
  };
}

const readScope = requireScope("jobs:read");
const writeScope = requireScope("jobs:write");

/** Reads need `jobs:read`, everything else `jobs:write`. */
export const jobsScope: RequestHandler = (req, res, next) =>
  req.method === "GET" || req.method === "HEAD" ? readScope(req, res, next) : writeScope(req, res, next);
