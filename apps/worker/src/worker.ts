import { hostname } from "node:os";
import type { Config } from "@patchbay/config";
import { createDb, JobEventRepository, JobRepository } from "@patchbay/db";
import { CANCEL_CHANNEL, createRedis, JobQueue, QUEUE_CATALOG, type RunJobPayload } from "@patchbay/queue";
import { DockerSandboxProvider } from "@patchbay/sandbox";
import { Worker } from "bullmq";
import pino, { type Logger } from "pino";
import { reapContainers, sweepQueued } from "./maintenance.js";
import type { PipelineDeps } from "./pipeline/job-run.js";
import { processJob } from "./process-job.js";
import { RunRegistry } from "./run-registry.js";
import { pipelineSettings } from "./settings.js";

/** A running worker. */
export interface WorkerHandle {
  workerId: string;
  registry: RunRegistry;
  /** Stops taking jobs, aborts running ones (handed back) and closes connections. */
  close(): Promise<void>;
}

/** Starts a worker: takes jobs from the queue, listens for cancels, sweeps and reaps. */
export async function startWorker(config: Config, logger?: Logger): Promise<WorkerHandle> {
  const workerId = config.PATCHBAY_WORKER_ID ?? `${hostname()}-${process.pid}`;
  const log = (logger ?? pino({ name: "patchbay-worker", level: config.LOG_LEVEL })).child({ workerId });
  const db = createDb(config.DATABASE_URL);
  const jobs = new JobRepository(db);
  const sandboxes = new DockerSandboxProvider({ image: config.PATCHBAY_SANDBOX_IMAGE });
  const deps: PipelineDeps = {
    jobs,
    events: new JobEventRepository(db),
    sandboxes,
    settings: await pipelineSettings(config, workerId),
    logger: log,
  };
  const registry = new RunRegistry();
  const redis = createRedis(config.REDIS_URL);
  const queue = new JobQueue(config.PATCHBAY_QUEUE, redis);
  const subscriber = createRedis(config.REDIS_URL);
  await subscriber.subscribe(CANCEL_CHANNEL);
  subscriber.on("message", (_channel, jobId: string) => {
    if (registry.abort(jobId, "cancelled")) log.info({ jobId }, "cancelling");
  });

  await reapContainers(sandboxes, jobs, log).catch((err: unknown) => log.warn({ err }, "reaper failed"));
  const worker = new Worker<RunJobPayload>(config.PATCHBAY_QUEUE, (job) => processJob(job.data.jobId, deps, registry), {
    connection: createRedis(config.REDIS_URL),
    concurrency: config.PATCHBAY_WORKER_CONCURRENCY,
    maxStalledCount: QUEUE_CATALOG.runJob.maxStalledCount,
  });
  worker.on("failed", (job, err) => log.error({ err, jobId: job?.data.jobId }, "job processing failed"));
  log.info({ queue: config.PATCHBAY_QUEUE, concurrency: config.PATCHBAY_WORKER_CONCURRENCY }, "worker started");

  const every = (ms: number, task: () => Promise<unknown>) =>
    setInterval(() => void task().catch((err: unknown) => log.warn({ err }, "maintenance task failed")), ms);
  const timers = [
    every(60_000, () => reapContainers(sandboxes, jobs, log)),
    every(30_000, () => sweepQueued(jobs, queue, log)),
  ];

  const close = async () => {
    log.info({ running: registry.ids() }, "worker stopping");
    for (const t of timers) clearInterval(t);
    for (const id of registry.ids()) registry.abort(id, "shutdown");
    await worker.close();
    subscriber.disconnect();
    await queue.close();
    redis.disconnect();
    await db.$disconnect();
  };
  return { workerId, registry, close };
}
