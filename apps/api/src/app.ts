import {
  CandidateRepository,
  type Db,
  EnvironmentRepository,
  GithubHookRepository,
  JobEventRepository,
  JobRepository,
  NotificationRepository,
  ProjectRepository,
  ScheduleRepository,
  SecretRepository,
  SourceRepository,
  secretBoxFrom,
} from "@patchbay/db";
import type { KnowledgeBase } from "@patchbay/knowledge";
import { type JobQueue, NotifyQueue, ScheduleQueue } from "@patchbay/queue";
import express, { type Express } from "express";
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import {
  type AccessOptions,
  accessControl,
  accessErrorHeaders,
  DEFAULT_ACCESS_OPTIONS,
  jobsScope,
} from "./auth/index.js";
import { errorHandler, notFoundRoute } from "./http-errors.js";
import { JobService } from "./job-service.js";
import { accessLog, requireJsonBody } from "./request-format.js";
import { candidatesRouter } from "./routes/candidates.js";
import { cliDownloadRouter } from "./routes/cli-download.js";
import { environmentsRouter } from "./routes/environments.js";
import { type EventStreamOptions, eventsHandler } from "./routes/events.js";
import { followUpsRouter } from "./routes/follow-ups.js";
import { healthRouter } from "./routes/health.js";
import { githubHookHandler, githubSettingsRouter } from "./routes/hooks.js";
import { jobsRouter } from "./routes/jobs.js";
import { knowledgeRouter } from "./routes/knowledge.js";
import { messagesHandler } from "./routes/messages.js";
import { notificationsRouter } from "./routes/notifications.js";
import { projectsRouter } from "./routes/projects.js";
import { schedulesRouter } from "./routes/schedules.js";
import { DEFAULT_MAX_SOURCE_BYTES, sourcesRouter } from "./routes/sources.js";
import { trajectoryHandler } from "./routes/trajectory.js";
import { uiRouter } from "./routes/ui.js";

export interface AppDeps {
  db: Db;
  redis: Redis;
  queue: JobQueue;
  logger: Logger;
  events?: Partial<EventStreamOptions>;
  /** Rate limit, queue cap and repository transports (defaults: DEFAULT_ACCESS_OPTIONS). */
  access?: Partial<AccessOptions>;
  /** PATCHBAY_SECRETS_KEY; without it, setting a project secret answers 503. */
  secretsKey?: string;
  /** PATCHBAY_SECRETS_KEY_PREVIOUS: still opens secrets sealed before a key rotation. */
  secretsKeyPrevious?: string;
  /** The projects' knowledge bases (docs upload and search); without it those routes answer 503. */
  knowledge?: KnowledgeBase;
  /** Largest document upload (PATCHBAY_KNOWLEDGE_MAX_DOC_BYTES). */
  maxDocumentBytes?: number;
  /** Largest git bundle `POST /v1/sources` accepts (default DEFAULT_MAX_SOURCE_BYTES). */
  maxSourceBytes?: number;
  /** GitHub's REST API (PATCHBAY_GITHUB_API_URL), for naming a failed run's jobs. */
  githubApiUrl?: string;
  /** The self-contained CLI served at GET /cli.mjs (default: apps/cli/dist/patchbay.mjs). */
  cliBundlePath?: string;
}

/** Builds the HTTP API (no listening: the caller decides where). */
export function createApp(deps: AppDeps): Express {
  const jobs = new JobRepository(deps.db);
  const events = new JobEventRepository(deps.db);
  const access = accessControl(
    { db: deps.db, redis: deps.redis, jobs, logger: deps.logger },
    { ...DEFAULT_ACCESS_OPTIONS, ...deps.access },
  );
  const service = new JobService({
    jobs,
    queue: deps.queue,
    redis: deps.redis,
    admission: access.admission,
    logger: deps.logger,
  });
  const box = secretBoxFrom({
    PATCHBAY_SECRETS_KEY: deps.secretsKey,
    PATCHBAY_SECRETS_KEY_PREVIOUS: deps.secretsKeyPrevious,
  });
  const secrets = new SecretRepository(deps.db, box);
  const app = express();
  app.disable("x-powered-by");
  app.set("query parser", "simple");
  // First, so that every request is logged: webhooks, bodies refused by the parsers, errors.
  app.use(accessLog(deps.logger));
  // GitHub deliveries are signed over their raw bytes and carry no API key: before JSON parsing and auth.
  const hooks = new GithubHookRepository(deps.db);
  const hookDeps = {
    hooks,
    secrets,
    service,
    logger: deps.logger,
    githubApiUrl: deps.githubApiUrl ?? "https://api.github.com",
  };
  app.post("/v1/hooks/github", ...githubHookHandler(hookDeps));
  app.use(express.json({ limit: "1mb" }));
  app.use(requireJsonBody);
  app.use(healthRouter({ db: deps.db, redis: deps.redis }));
  app.use(cliDownloadRouter(deps.cliBundlePath ? { bundlePath: deps.cliBundlePath } : {}));
  app.use(uiRouter({ db: deps.db, jobs, events, access, secretsKey: deps.secretsKey, stream: deps.events }));
  // Everything under /v1 needs a key; a job of another project is a 404 on every route.
  app.use("/v1", access.authenticate, access.rateLimit);
  app.use("/v1/jobs", jobsScope);
  app.use("/v1/jobs/:id", access.ownJobsOnly);
  // Before the projects router, whose routes need `admin`: docs and search need jobs:read/write.
  app.use(
    "/v1/projects",
    knowledgeRouter({ knowledge: deps.knowledge ?? null, maxDocumentBytes: deps.maxDocumentBytes ?? 1_048_576 }),
  );
  // Environment settings are read with jobs:read, so this router comes before the admin-only one.
  app.use(
    "/v1/projects",
    environmentsRouter({ environments: new EnvironmentRepository(deps.db), projects: new ProjectRepository(deps.db) }),
  );
  app.use("/v1/projects", projectsRouter({ projects: new ProjectRepository(deps.db), secrets }));
  app.use(
    "/v1/sources",
    jobsScope,
    sourcesRouter({
      sources: new SourceRepository(deps.db),
      maxBytes: deps.maxSourceBytes ?? DEFAULT_MAX_SOURCE_BYTES,
    }),
  );
  const schedules = {
    schedules: new ScheduleRepository(deps.db),
    queue: new ScheduleQueue(deps.queue.name, deps.redis),
    admission: access.admission,
  };
  app.use("/v1/schedules", jobsScope, schedulesRouter(schedules));
  app.use("/v1/hooks", githubSettingsRouter(hooks));
  app.use("/v1/jobs", jobsRouter({ jobs, service, events }));
  app.use("/v1/jobs", followUpsRouter({ jobs, service }));
  app.use("/v1/jobs", candidatesRouter({ jobs, candidates: new CandidateRepository(deps.db) }));
  const notifications = new NotificationRepository(deps.db);
  app.use(
    "/v1/jobs",
    notificationsRouter({ jobs, notifications, queue: new NotifyQueue(deps.queue.name, deps.redis) }),
  );
  app.get("/v1/jobs/:id/events", eventsHandler({ jobs, events }, { pollMs: 250, heartbeatMs: 15_000, ...deps.events }));
  app.get("/v1/jobs/:id/trajectory", trajectoryHandler({ jobs, events }));
  app.post("/v1/jobs/:id/messages", messagesHandler({ jobs, events }));
  app.use(notFoundRoute);
  app.use(access.unauthenticatedLimit);
  app.use(accessErrorHeaders);
  app.use(errorHandler(deps.logger));
  return app;
}
