import { createHmac } from "node:crypto";
import { isTerminal } from "@patchbay/core";
import type { JobRecord, JobRepository, NotificationRepository } from "@patchbay/db";
import { toJobJson } from "@patchbay/jobs";
import { NOTIFY_POLICY, type NotifyPayload, type NotifyQueue, notifyQueueName } from "@patchbay/queue";
import { type Job, Worker } from "bullmq";
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import type { SecretSource } from "./pipeline/secrets.js";

/** The project secret that signs a project's notifications. */
export const NOTIFY_SECRET_NAME = "NOTIFY_SECRET";
const POST_TIMEOUT_MS = 10_000;

/** The HMAC-SHA256 signature header value of a body (`sha256=<hex>`, as GitHub does it). */
export function signBody(secret: string, body: string): string {
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}

/** The JSON a notification carries: the finished job as the API serves it (the patch by link). */
export function notificationBody(job: JobRecord): string {
  return JSON.stringify({ event: "job.finished", job: toJobJson(job) });
}

export interface NotifierDeps {
  jobs: JobRepository;
  notifications: NotificationRepository;
  queue: NotifyQueue;
  secrets?: SecretSource;
  logger: Logger;
}

/** Sends each finished job's notification once, through a BullMQ queue that retries with backoff. */
export class Notifier {
  constructor(private readonly deps: NotifierDeps) {}

  /** Queues the job's notification when it finished and asked for one (at most once per job). */
  async trigger(jobId: string): Promise<void> {
    const job = await this.deps.jobs.findById(jobId);
    const url = job?.spec.notify?.url;
    if (!job || !url || !isTerminal(job.status)) return;
    if (await this.deps.notifications.claim(jobId, url)) await this.deps.queue.enqueue({ jobId });
  }

  /** Queues notifications of jobs finished elsewhere (e.g. cancelled by the API while queued). */
  async sweep(windowMs = 3_600_000): Promise<number> {
    const missed = await this.deps.notifications.unclaimed(new Date(Date.now() - windowMs));
    for (const { id } of missed) await this.trigger(id);
    return missed.length;
  }

  /** One attempt: POSTs the signed job; throws on anything but 2xx so BullMQ retries it. */
  async deliver(jobId: string, attempt: number, lastAttempt: boolean): Promise<void> {
    const job = await this.deps.jobs.findById(jobId);
    const url = job?.spec.notify?.url;
    if (!job || !url) return;
    const body = notificationBody(job);
    const secret = (await this.deps.secrets?.values(job.projectId))?.[NOTIFY_SECRET_NAME];
    const headers: Record<string, string> = {
      "content-type": "application/json",
      "user-agent": "patchbay-notify/1",
      "x-patchbay-event": "job.finished",
      "x-patchbay-delivery": `${jobId}/${attempt}`,
      ...(secret ? { "x-patchbay-signature": signBody(secret, body) } : {}),
    };
    const start = performance.now();
    let statusCode: number | null = null;
    let error: string | null = null;
    try {
      const res = await fetch(url, { method: "POST", headers, body, signal: AbortSignal.timeout(POST_TIMEOUT_MS) });
      statusCode = res.status;
      await res.body?.cancel();
      if (!res.ok) error = `answered ${res.status}`;
    } catch (err) {
      error = err instanceof Error ? err.message : String(err);
    }
    const ms = Math.round(performance.now() - start);
    const state = error === null ? "delivered" : lastAttempt ? "failed" : "pending";
    await this.deps.notifications.recordAttempt(jobId, { attempt, statusCode, error, ms }, state);
    if (error !== null) throw new Error(`notification of job ${jobId} to ${url}: ${error}`);
  }
}

/** Starts the BullMQ worker that delivers notifications. */
export function startNotifyWorker(jobQueue: string, notifier: Notifier, connection: Redis, log: Logger): Worker {
  const processor = async (job: Job<NotifyPayload>) => {
    const attempt = job.attemptsMade + 1;
    await notifier.deliver(job.data.jobId, attempt, attempt >= (job.opts.attempts ?? NOTIFY_POLICY.attempts));
  };
  const worker = new Worker<NotifyPayload>(notifyQueueName(jobQueue), processor, { connection, concurrency: 4 });
  worker.on("failed", (job, err) =>
    log.warn({ jobId: job?.data.jobId, err: err.message }, "notification attempt failed"),
  );
  return worker;
}
