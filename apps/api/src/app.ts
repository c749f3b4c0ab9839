import { type Db, JobEventRepository, JobRepository } from "@patchbay/db";
import type { JobQueue } from "@patchbay/queue";
import express, { type Express } from "express";
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import { errorHandler, notFoundRoute } from "./http-errors.js";
import { JobService } from "./job-service.js";
import { type EventStreamOptions, eventsHandler } from "./routes/events.js";
import { healthRouter } from "./routes/health.js";
import { jobsRouter } from "./routes/jobs.js";

export interface AppDeps {
  db: Db;
  redis: Redis;
  queue: JobQueue;
  logger: Logger;
  events?: Partial<EventStreamOptions>;
}

/** Builds the HTTP API (no listening: the caller decides where). */
export function createApp(deps: AppDeps): Express {
  const jobs = new JobRepository(deps.db);
  const events = new JobEventRepository(deps.db);
  const service = new JobService({ jobs, events, queue: deps.queue, redis: deps.redis, logger: deps.logger });
  const app = express();
  app.disable("x-powered-by");
  app.set("query parser", "simple");
  app.use(express.json({ limit: "1mb" }));
  app.use((req, res, next) => {
    const start = performance.now();
    res.on("finish", () => {
      const ms = Math.round(performance.now() - start);
      deps.logger.info({ method: req.method, path: req.path, status: res.statusCode, ms }, "request");
    });
    next();
  });
  app.use(healthRouter({ db: deps.db, redis: deps.redis }));
  app.use("/v1/jobs", jobsRouter({ jobs, service }));
  app.get("/v1/jobs/:id/events", eventsHandler({ jobs, events }, { pollMs: 250, heartbeatMs: 15_000, ...deps.events }));
  app.use(notFoundRoute);
  app.use(errorHandler(deps.logger));
  return app;
}
