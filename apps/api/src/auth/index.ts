import { ApiKeyRepository, type Db, type JobRepository, ProjectRepository, SourceRepository } from "@patchbay/db";
import type { ErrorRequestHandler, RequestHandler } from "express";
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import { AddressLimiter, limitUnauthenticated } from "./address-limit.js";
import { SubmitAdmission } from "./admission.js";
import { authenticate } from "./authenticate.js";
import { ownJobsOnly } from "./job-access.js";
import { RateLimiter, rateLimit } from "./rate-limit.js";

export { SubmitAdmission } from "./admission.js";
export { type AuthContext, authOf } from "./context.js";
export { accessErrorHeaders } from "./headers.js";
export { jobsScope, requireScope } from "./scopes.js";

/** The server's access and admission policy (from configuration). */
export interface AccessOptions {
  /** Requests per minute for a key without its own limit. */
  rateLimitPerMin: number;
  /** Queued jobs per project (without its own limit) before submits get 429. */
  projectMaxQueued: number;
  /** Whether file:// repositories are accepted (local use only). */
  allowFileRepos: boolean;
  /** Whether repo.url may name loopback, link-local or private hosts (PATCHBAY_ALLOW_PRIVATE_REPOS). */
  allowPrivateRepos: boolean;
  /** Requests per minute per client address that fail authentication (PATCHBAY_UNAUTHENTICATED_RATE_LIMIT_PER_MIN). */
  unauthenticatedRateLimitPerMin: number;
  /** The most sandbox.memoryMb / sandbox.cpus a spec may ask for (PATCHBAY_SANDBOX_MAX_*; default 8192 / 4). */
  sandboxMaxMemoryMb?: number;
  sandboxMaxCpus?: number;
}

export const DEFAULT_ACCESS_OPTIONS: AccessOptions = {
  rateLimitPerMin: 600,
  projectMaxQueued: 500,
  allowFileRepos: false,
  allowPrivateRepos: false,
  unauthenticatedRateLimitPerMin: 60,
};

/** The middlewares that decide who may do what, wired to storage. */
export interface AccessControl {
  authenticate: RequestHandler;
  rateLimit: RequestHandler;
  ownJobsOnly: RequestHandler;
  admission: SubmitAdmission;
  /** Error middleware: 401s count against their client address; past the limit they become 429. */
  unauthenticatedLimit: ErrorRequestHandler;
}

/** Builds the access middlewares for one app. */
export function accessControl(
  deps: { db: Db; redis: Redis; jobs: JobRepository; logger: Logger },
  options: AccessOptions,
): AccessControl {
  const projects = new ProjectRepository(deps.db);
  return {
    authenticate: authenticate(new ApiKeyRepository(deps.db), deps.logger),
    rateLimit: rateLimit(new RateLimiter(deps.redis), options.rateLimitPerMin, deps.logger),
    ownJobsOnly: ownJobsOnly(deps.jobs) as RequestHandler,
    unauthenticatedLimit: limitUnauthenticated(new AddressLimiter(options.unauthenticatedRateLimitPerMin)),
    admission: new SubmitAdmission(
      { projects, sources: new SourceRepository(deps.db) },
      {
        allowFileRepos: options.allowFileRepos,
        allowPrivateRepos: options.allowPrivateRepos,
        defaultMaxQueued: options.projectMaxQueued,
        ...(options.sandboxMaxMemoryMb ? { sandboxMaxMemoryMb: options.sandboxMaxMemoryMb } : {}),
        ...(options.sandboxMaxCpus ? { sandboxMaxCpus: options.sandboxMaxCpus } : {}),
      },
    ),
  };
}
