import { hostname } from "node:os";
import path from "node:path";
import type { Config } from "@patchbay/config";
import { outageWarnings } from "@patchbay/core";
import {
  BaselineRepository,
  CandidateRepository,
  createDb,
  GithubReportRepository,
  JobEventRepository,
  JobRepository,
  NotificationRepository,
  ProjectRepository,
  ScheduleRepository,
  SecretRepository,
  SettingsRepository,
  SourceRepository,
  secretBoxFrom,
} from "@patchbay/db";
import { hostPackageRegistries } from "@patchbay/egress";
import { SubmitAdmission } from "@patchbay/jobs";
import { createKnowledgeBase } from "@patchbay/knowledge";
import {
  CANCEL_CHANNEL,
  createRedis,
  JobQueue,
  NotifyQueue,
  QUEUE_CATALOG,
  type RunJobPayload,
  ScheduleQueue,
} from "@patchbay/queue";
import { DockerSandboxProvider } from "@patchbay/sandbox";
import { DelayedError, type Job, Worker } from "bullmq";
import pino, { type Logger } from "pino";
import { sandboxEgressMounts, startEnvironmentServices } from "./environment/services.js";
import { CACHE_MOUNT } from "./environment/setup-env.js";
import { githubReporter } from "./github/report-finished.js";
import { embedPendingKnowledge, expireSources, reapContainers } from "./maintenance.js";
import { Notifier, startNotifyWorker } from "./notify.js";
import type { PipelineDeps } from "./pipeline/job-run.js";
import { HEARTBEAT_MS, processJob } from "./process-job.js";
import { NO_SLOT, ProjectGate, ProjectSlots } from "./project-slots.js";
import { RunRegistry } from "./run-registry.js";
import { restoreSchedulers, startScheduleWorker } from "./schedules.js";
import { pipelineSettings } from "./settings.js";
import { sweepOrphaned, sweepQueued } from "./sweepers.js";
import { SOCKET_FOLDERS, sweepWorkDir } from "./work-dir-sweep.js";

/** A running worker. */
export interface WorkerHandle {
  workerId: string;
  /** The installation whose containers this worker makes and reaps (`patchbay.installation`). */
  installationId: string;
  registry: RunRegistry;
  /** Stops taking jobs, aborts running ones (handed back) and closes connections. */
  close(): Promise<void>;
}

/**
 * BullMQ gave up on a job (its workers died more often than maxStalledCount, or the processor
 * threw): record that on the job so it never stays `running`.
 */
async function markLost(jobs: JobRepository, jobId: string | undefined, err: Error, log: Logger): Promise<void> {
  if (!jobId) return;
  log.error({ err, jobId }, "job processing failed");
  const error = { code: "worker_lost" as const, message: `the job could not be run: ${err.message}`, retryable: true };
  await jobs
    .transition(jobId, "error", { phase: null, error })
    .catch((e: unknown) => log.error({ err: e }, "could not record"));
}

/** Starts a worker: takes jobs from the queue, listens for cancels, sweeps and reaps. */
export async function startWorker(config: Config, logger?: Logger): Promise<WorkerHandle> {
  const workerId = config.PATCHBAY_WORKER_ID ?? `${hostname()}-${process.pid}`;
  const log = (logger ?? pino({ name: "patchbay-worker", level: config.LOG_LEVEL })).child({ workerId });
  const { onRedisError, onPoolError } = outageWarnings(log);
  const redisOptions = { onError: onRedisError };
  const db = createDb(config.DATABASE_URL);
  const jobs = new JobRepository(db);
  const sources = new SourceRepository(db);
  // Engines may be shared by installations: this worker starts, lists and reaps only its own.
  const installationId = config.PATCHBAY_INSTALLATION_ID ?? (await new SettingsRepository(db).installationId());
  const hostRegistries = await hostPackageRegistries();
  const egressMounts = await sandboxEgressMounts(config, hostRegistries);
  const sandboxes = new DockerSandboxProvider({
    installationId,
    image: config.PATCHBAY_SANDBOX_IMAGE,
    // The pipeline asks for these limits by default, so its requests match the warm pool.
    defaults: { workerId, cpus: config.PATCHBAY_SANDBOX_CPUS, memoryMb: config.PATCHBAY_SANDBOX_MEMORY_MB },
    pool: { size: config.PATCHBAY_SANDBOX_POOL_SIZE },
    // Commands and file streams over a unix socket per sandbox (no engine exec per stream).
    ...(config.PATCHBAY_SANDBOX_RUNNER
      ? {
          runner: {
            binaryPath: config.PATCHBAY_SANDBOX_RUNNER,
            socketRoot: path.join(config.PATCHBAY_WORK_DIR, SOCKET_FOLDERS.runner),
            // A project's dependency cache is lent there for its setup (a warm sandbox can run setup).
            lendTarget: CACHE_MOUNT,
          },
        }
      : {}),
    sharedMounts: egressMounts,
    logger: log,
    onShellNotice: (notice) => log.warn(notice, "sandbox shell fell back"),
  });
  const knowledge = createKnowledgeBase(config, { poolSize: 2, onPoolError });
  const environment = await startEnvironmentServices(config, {
    db,
    installationId,
    logger: log,
    engineLocal: sandboxes.engineLocal,
    hostRegistries,
    sharedInEvery: sandboxes.engineLocal && egressMounts.length > 0,
    idle: sandboxes,
  });
  const deps: PipelineDeps = {
    jobs,
    events: new JobEventRepository(db),
    sandboxes,
    settings: await pipelineSettings(config, workerId, sandboxes),
    logger: log,
    secrets: new SecretRepository(db, secretBoxFrom(config)),
    knowledge: knowledge.kb,
    sources,
    environment: environment.services,
    candidates: new CandidateRepository(db),
    baselines: new BaselineRepository(db),
    projects: new ProjectRepository(db),
  };
  const registry = new RunRegistry();
  const redis = createRedis(config.REDIS_URL, redisOptions);
  const gate = new ProjectGate({
    jobs,
    projects: new ProjectRepository(db),
    // A dead worker's slot frees itself about when BullMQ notices the stall and re-delivers its job.
    slots: new ProjectSlots(redis, 2 * config.PATCHBAY_WORKER_LOCK_MS),
    defaultLimit: config.PATCHBAY_PROJECT_MAX_RUNNING,
    logger: log,
  });
  const queue = new JobQueue(config.PATCHBAY_QUEUE, redis);
  // Notifications of finished jobs and schedule ticks: queues of their own beside the job queue.
  const notifyQueue = new NotifyQueue(config.PATCHBAY_QUEUE, redis);
  const notifier = new Notifier({
    jobs,
    notifications: new NotificationRepository(db),
    queue: notifyQueue,
    ...(deps.secrets ? { secrets: deps.secrets } : {}),
    logger: log,
  });
  const notifyWorker = startNotifyWorker(
    config.PATCHBAY_QUEUE,
    notifier,
    createRedis(config.REDIS_URL, redisOptions),
    log,
  );
  const scheduleQueue = new ScheduleQueue(config.PATCHBAY_QUEUE, redis);
  const scheduleDeps = {
    schedules: new ScheduleRepository(db),
    jobs,
    queue,
    scheduleQueue,
    // Ticks are admitted under the configuration in force when they fire, like any submit.
    admission: new SubmitAdmission(
      { projects: new ProjectRepository(db), sources },
      {
        allowFileRepos: config.PATCHBAY_ALLOW_FILE_REPOS,
        allowPrivateRepos: config.PATCHBAY_ALLOW_PRIVATE_REPOS,
        defaultMaxQueued: config.PATCHBAY_PROJECT_MAX_QUEUED,
        sandboxMaxMemoryMb: config.PATCHBAY_SANDBOX_MAX_MEMORY_MB,
        sandboxMaxCpus: config.PATCHBAY_SANDBOX_MAX_CPUS,
      },
    ),
    logger: log,
  };
  const scheduleWorker = startScheduleWorker(
    config.PATCHBAY_QUEUE,
    scheduleDeps,
    createRedis(config.REDIS_URL, redisOptions),
  );
  await restoreSchedulers(scheduleDeps).catch((err: unknown) => log.warn({ err }, "restoring schedules failed"));
  const githubReports = new GithubReportRepository(db);
  const reportToGithub = githubReporter({
    jobs,
    secrets: deps.secrets,
    store: githubReports,
    ledger: githubReports,
    apiUrl: config.PATCHBAY_GITHUB_API_URL,
    publicUrl: config.PATCHBAY_URL ?? `http://${config.PATCHBAY_API_HOST}:${config.PATCHBAY_API_PORT}`,
    logger: log,
  });
  const notify = (jobId: string) => {
    void notifier.trigger(jobId).catch((err: unknown) => log.warn({ err, jobId }, "could not queue the notification"));
    void reportToGithub.finished(jobId);
  };
  const subscriber = createRedis(config.REDIS_URL, redisOptions);
  await subscriber.subscribe(CANCEL_CHANNEL);
  subscriber.on("message", (_channel, jobId: string) => {
    if (registry.abort(jobId, "cancelled")) log.info({ jobId }, "cancelling");
  });

  await reapContainers(sandboxes, jobs, log, workerId).catch((err: unknown) => log.warn({ err }, "reaper failed"));
  await sweepLeftovers(config.PATCHBAY_WORK_DIR, log);
  sandboxes.warmUp();
  const processor = async (job: Job<RunJobPayload>, token?: string) => {
    const outcome = await gate.run(job.data.jobId, () =>
      processJob(job.data.jobId, deps, registry, reportToGithub.started),
    );
    if (outcome === "done") notify(job.data.jobId);
    if (outcome === NO_SLOT) {
      // The project runs as many jobs as it may: this one waits in the queue (delayed) and asks again.
      await job.moveToDelayed(Date.now() + gate.retryDelayMs(), token);
      throw new DelayedError();
    }
    if (outcome === "handed_back") {
      // Back to the queue through BullMQ itself, so another worker takes it at once.
      await job.moveToDelayed(Date.now() + 500, token);
      throw new DelayedError();
    }
  };
  const worker = new Worker<RunJobPayload>(config.PATCHBAY_QUEUE, processor, {
    connection: createRedis(config.REDIS_URL, redisOptions),
    concurrency: config.PATCHBAY_WORKER_CONCURRENCY,
    maxStalledCount: QUEUE_CATALOG.runJob.maxStalledCount,
    lockDuration: config.PATCHBAY_WORKER_LOCK_MS,
    stalledInterval: config.PATCHBAY_WORKER_LOCK_MS,
  });
  for (const w of [worker, notifyWorker, scheduleWorker]) w.on("error", onRedisError);
  worker.on("failed", (job, err) => {
    void markLost(jobs, job?.data.jobId, err, log).then(() => job && notify(job.data.jobId));
  });
  log.info(
    { queue: config.PATCHBAY_QUEUE, concurrency: config.PATCHBAY_WORKER_CONCURRENCY, installationId },
    "worker started",
  );

  const every = (ms: number, task: () => Promise<unknown>) =>
    setInterval(() => void task().catch((err: unknown) => log.warn({ err }, "maintenance task failed")), ms);
  const timers = [
    every(60_000, () => reapContainers(sandboxes, jobs, log, workerId)),
    every(30_000, () => sweepQueued(jobs, queue, log)),
    every(3600_000, () => expireSources(sources, config.PATCHBAY_SOURCE_RETENTION_DAYS, log)),
    every(HEARTBEAT_MS, () => sweepOrphaned(jobs, queue, log, 6 * HEARTBEAT_MS)),
    every(5_000, () => notifier.sweep()),
    // Jobs the API ended are reported by their own queue's workers, with that installation's settings.
    every(30_000, () => reportToGithub.sweep({ queue: config.PATCHBAY_QUEUE })),
    every(3600_000, () => environment.sweep()),
    every(3600_000, () => sweepLeftovers(config.PATCHBAY_WORK_DIR, log)),
    every(30_000, () => embedPendingKnowledge(knowledge.kb, log)),
  ];

  const close = async () => {
    log.info({ running: registry.ids() }, "worker stopping: no new jobs; running ones get the grace period");
    for (const t of timers) clearInterval(t);
    const grace = setTimeout(() => {
      for (const id of registry.ids()) registry.abort(id, "shutdown");
    }, config.PATCHBAY_SHUTDOWN_GRACE_SEC * 1000);
    await worker.close();
    clearTimeout(grace);
    await Promise.all([notifyWorker.close(), scheduleWorker.close(), notifyQueue.close(), scheduleQueue.close()]);
    await sandboxes.close().catch((err: unknown) => log.warn({ err }, "closing the warm pool failed"));
    // Before the sweep below: the sandboxes environments are kept restored in (and one being made) go too.
    await environment.close();
    // No job runs here any more: whatever a job failed to remove (an engine error) goes now.
    const left = await sandboxes.removeStarted();
    if (left > 0) log.warn({ removed: left }, "removed sandboxes that outlived their jobs");
    subscriber.disconnect();
    await queue.close();
    redis.disconnect();
    await db.$disconnect();
    await knowledge.close();
  };
  return { workerId, installationId, registry, close };
}

/** What killed workers left in the work dir (clones, environment copies, socket folders); never fails the caller. */
async function sweepLeftovers(workDir: string, log: Logger): Promise<void> {
  const removed = await sweepWorkDir(workDir).catch((err: unknown) => {
    log.warn({ err, workDir }, "sweeping the work dir failed");
    return [];
  });
  if (removed.length > 0) log.info({ removed: removed.length, workDir }, "removed what stopped workers left");
}
