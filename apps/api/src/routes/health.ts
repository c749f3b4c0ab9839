import { type Db, pingDb } from "@patchbay/db";
import { pingRedis } from "@patchbay/queue";
import { Router } from "express";
import type { Redis } from "ioredis";

/** `/healthz` (the process answers) and `/readyz` (Postgres and Redis answer). */
export function healthRouter(deps: { db: Db; redis: Redis }): Router {
  const router = Router();
  router.get("/healthz", (_req, res) => {
    res.json({ status: "ok" });
  });
  router.get("/readyz", async (_req, res) => {
    const [postgres, redis] = await Promise.all([pingDb(deps.db), pingRedis(deps.redis)]);
    const ready = postgres && redis;
    if (!ready) res.setHeader("Retry-After", "5");
    res.status(ready ? 200 : 503).json({ status: ready ? "ready" : "unavailable", postgres, redis });
  });
  return router;
}
