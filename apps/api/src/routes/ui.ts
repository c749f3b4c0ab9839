import { existsSync } from "node:fs";
import path from "node:path";
import { PatchbayError } from "@patchbay/core";
import { ApiKeyRepository, type Db, type JobEventRepository, type JobRepository } from "@patchbay/db";
import express, { type Request, Router } from "express";
import { setAuth } from "../auth/context.js";
import { type AccessControl, authOf, requireScope } from "../auth/index.js";
import { mintStreamToken, streamTokenKey, verifyStreamToken } from "../auth/stream-token.js";
import { type EventStreamOptions, eventsHandler } from "./events.js";

/** Where `npm run build -w @patchbay/web` writes the dashboard. */
export const DEFAULT_UI_DIR = path.resolve(import.meta.dirname, "../../../web/dist");

export interface UiDeps {
  db: Db;
  jobs: JobRepository;
  events: JobEventRepository;
  access: Pick<AccessControl, "authenticate" | "rateLimit" | "ownJobsOnly">;
  /** PATCHBAY_SECRETS_KEY: stream tokens are signed with a key derived from it (random per process without). */
  secretsKey?: string | undefined;
  stream?: Partial<EventStreamOptions>;
  /** The built dashboard (default DEFAULT_UI_DIR). */
  dir?: string;
}

// The dashboard loads only its own bundled files and talks only to this origin.
const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/**
 * The browser dashboard: static files under `/ui`, `GET /` → `/ui/`, who the key is
 * (`GET /v1/auth/whoami`), and the job-scoped stream tokens an EventSource (which cannot send
 * headers) opens `GET /v1/jobs/:id/events?token=` with. Mounted before the `/v1` key check.
 */
export function uiRouter(deps: UiDeps): Router {
  const router = Router();
  const dir = deps.dir ?? DEFAULT_UI_DIR;
  const key = streamTokenKey(deps.secretsKey);
  const keys = new ApiKeyRepository(deps.db);
  const { authenticate, rateLimit, ownJobsOnly } = deps.access;
  const stream = eventsHandler(deps, { pollMs: 250, heartbeatMs: 15_000, ...deps.stream });

  router.get("/", (_req, res) => res.redirect(302, "/ui/"));
  router.use("/ui", (_req, res, next) => {
    res.setHeader("Content-Security-Policy", CSP);
    res.setHeader("X-Content-Type-Options", "nosniff");
    res.setHeader("Referrer-Policy", "no-referrer");
    if (!existsSync(path.join(dir, "index.html"))) {
      throw new PatchbayError("unavailable", "the dashboard is not built: run `npm run build -w @patchbay/web`");
    }
    next();
  });
  router.use("/ui", express.static(dir, { index: "index.html", maxAge: 0 }));

  router.get("/v1/auth/whoami", authenticate, rateLimit, (req, res) => {
    const { prefix, projectId, scopes } = authOf(req);
    res.json({ prefix, projectId, scopes });
  });

  router.post(
    "/v1/jobs/:id/stream-token",
    authenticate,
    rateLimit,
    requireScope("jobs:read"),
    ownJobsOnly,
    (req: Request<{ id: string }>, res) => {
      const { prefix, projectId } = authOf(req);
      const { token, expiresAt } = mintStreamToken(key, { jobId: req.params.id, projectId, keyPrefix: prefix });
      res.json({ token, expiresAt: new Date(expiresAt).toISOString() });
    },
  );

  // Only this route takes ?token=; without one the request goes on to the Bearer key check.
  router.get(
    "/v1/jobs/:id/events",
    async (req: Request<{ id: string }>, _res, next) => {
      const token = req.query.token;
      if (token === undefined) return next("router");
      if (typeof token !== "string") throw new PatchbayError("unauthorized", "give one stream token");
      const claims = verifyStreamToken(key, token, req.params.id);
      // A revoked key's tokens stop at the next (re)connect.
      const record = await keys.findByPrefix(claims.keyPrefix);
      if (!record || record.revokedAt || record.projectId !== claims.projectId) {
        throw new PatchbayError("unauthorized", "the API key that minted this stream token is no longer valid");
      }
      setAuth(req, {
        prefix: record.prefix,
        projectId: record.projectId,
        scopes: ["jobs:read"],
        rateLimitPerMin: record.rateLimitPerMin,
      });
      next();
    },
    rateLimit,
    ownJobsOnly,
    stream,
  );
  return router;
}
