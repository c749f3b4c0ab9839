import { isTerminal } from "@patchbay/core";
import type { JobRepository, ProjectRepository } from "@patchbay/db";
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import { retryStorage } from "./pipeline/retry-storage.js";

// Atomically: drop expired leases, then take (or keep) a slot when the job holds one already or
// fewer than `limit` are held. A sorted set per project: member = job id, score = lease end.
const ACQUIRE = `
local now = tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZSCORE', KEYS[1], ARGV[4]) or redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[3]) then
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[4])
  redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]) * 2)
  return 1
end
return 0`;

/**
 * Running-job slots per project, shared by every worker through Redis. A slot is a lease the
 * holder renews; a worker that dies stops renewing and its slot frees itself.
 */
export class ProjectSlots {
  constructor(
    private readonly redis: Redis,
    private readonly leaseMs = 60_000,
  ) {}

  private key(projectId: string): string {
    return `patchbay:slots:${projectId}`;
  }

  /** Takes a slot for the job; false when the project already runs `limit` jobs. */
  async acquire(projectId: string, jobId: string, limit: number): Promise<boolean> {
    const got = await this.redis.eval(ACQUIRE, 1, this.key(projectId), Date.now(), this.leaseMs, limit, jobId);
    return got === 1;
  }

  /** Extends the job's lease. */
  async renew(projectId: string, jobId: string): Promise<void> {
    await this.redis.zadd(this.key(projectId), "XX", Date.now() + this.leaseMs, jobId);
  }

  /** Gives the slot back. */
  async release(projectId: string, jobId: string): Promise<void> {
    await this.redis.zrem(this.key(projectId), jobId);
  }

  /** How often a holder should renew. */
  get renewEveryMs(): number {
    return Math.floor(this.leaseMs / 4);
  }
}

/** The outcome when a project is at its limit: the job waits (delayed in the queue). */
export const NO_SLOT = "no_slot" as const;

/** Lets a job run only while its project is below its concurrency limit. */
export class ProjectGate {
  constructor(
    private readonly deps: {
      jobs: JobRepository;
      projects: ProjectRepository;
      slots: ProjectSlots;
      defaultLimit: number;
      logger: Logger;
    },
  ) {}

  /**
   * Runs `fn` holding one of the project's slots, or returns NO_SLOT at once. Its reads wait a
   * database outage out: a delivery that failed here would be recorded as a lost job.
   */
  async run<T>(jobId: string, fn: () => Promise<T>): Promise<T | typeof NO_SLOT> {
    const log = this.deps.logger.child({ jobId });
    const job = await retryStorage("read job", () => this.deps.jobs.findById(jobId), log);
    // Finished or cancelled jobs take no slot: the pipeline only records their end.
    if (!job || isTerminal(job.status) || job.cancelRequested) return fn();
    const project = await retryStorage("read project", () => this.deps.projects.find(job.projectId), log);
    const limit = project?.maxRunningJobs ?? this.deps.defaultLimit;
    const { slots, logger } = this.deps;
    const acquired = await slots.acquire(job.projectId, jobId, limit).catch((err: unknown) => {
      logger.warn({ err, jobId }, "project slots unavailable; running without the limit");
      return null;
    });
    if (acquired === false) {
      logger.debug({ jobId, projectId: job.projectId, limit }, "project at its concurrency limit; job waits");
      return NO_SLOT;
    }
    const renew = setInterval(() => void slots.renew(job.projectId, jobId).catch(() => {}), slots.renewEveryMs);
    try {
      return await fn();
    } finally {
      clearInterval(renew);
      await slots.release(job.projectId, jobId).catch(() => {});
    }
  }

  /** How long a job waits before it asks again (jittered so waiting jobs do not arrive together). */
  retryDelayMs(): number {
    return 1000 + Math.floor(Math.random() * 1000);
  }
}
