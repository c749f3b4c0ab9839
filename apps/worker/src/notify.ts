import { isTerminal, NOTIFY_DELIVERY_HEADER, NOTIFY_SIGNATURE_HEADER, signNotification } from "@patchbay/core";
import type { JobRecord, JobRepository, NotificationRepository, NotificationTrigger } from "@patchbay/db";
import { toJobJson } from "@patchbay/jobs";
import { NOTIFY_POLICY, type NotifyPayload, type NotifyQueue, notifyQueueName } from "@patchbay/queue";
import { type Job, Worker } from "bullmq";
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import type { SecretSource } from "./pipeline/secrets.js";

/** The project secret that signs a project's notifications. */
export const NOTIFY_SECRET_NAME = "NOTIFY_SECRET";
const POST_TIMEOUT_MS = 10_000;

/** The JSON a notification carries: its event and delivery, and the finished job as the API serves it. */
export function notificationBody(job: JobRecord, deliveryId: string): string {
  return JSON.stringify({ event: "job.finished", deliveryId, job: toJobJson(job) });
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

  /** Queues notifications of this queue's jobs finished elsewhere (e.g. cancelled by the API while queued). */
  async sweep(windowMs = 3_600_000): Promise<number> {
    const since = new Date(Date.now() - windowMs);
    const missed = await this.deps.notifications.unclaimed(this.deps.queue.jobQueue, since);
    for (const { id } of missed) await this.trigger(id);
    return missed.length;
  }

  /**
   * One attempt: POSTs the signed job under the delivery's stable id and records the attempt;
   * throws on anything but 2xx so BullMQ retries it (a redelivery is a single attempt).
   */
  async deliver(jobId: string, lastAttempt: boolean, trigger: NotificationTrigger = "delivery"): Promise<void> {
    const [job, notification] = await Promise.all([
      this.deps.jobs.findById(jobId),
      this.deps.notifications.find(jobId),
    ]);
    if (!job || !notification) return;
    const { url, deliveryId } = notification;
    const body = notificationBody(job, deliveryId);
    const secret = (await this.deps.secrets?.values(job.projectId))?.[NOTIFY_SECRET_NAME];
    const headers: Record<string, string> = {
      "content-type": "application/json",
      "user-agent": "patchbay-notify/1",
      "x-patchbay-event": notification.event,
      [NOTIFY_DELIVERY_HEADER]: deliveryId,
      ...(secret ? { [NOTIFY_SIGNATURE_HEADER]: signNotification(secret, body) } : {}),
    };
    const start = performance.now();
    const answer = await post(url, headers, body);
    const ms = Math.round(performance.now() - start);
    const state = answer.message === null ? "delivered" : lastAttempt ? "failed" : "pending";
    await this.deps.notifications.recordAttempt(
      jobId,
      { statusCode: answer.statusCode, error: answer.message, ms, trigger },
      state,
    );
    if (answer.message !== null) throw new Error(`notification of job ${jobId} to ${url}: ${answer.message}`);
  }
}

/** POSTs once; the answer's status and, unless it was a 2xx, what went wrong. */
async function post(
  url: string,
  headers: Record<string, string>,
  body: string,
): Promise<{ statusCode: number | null; message: string | null }> {
  try {
    const res = await fetch(url, { method: "POST", headers, body, signal: AbortSignal.timeout(POST_TIMEOUT_MS) });
    await res.body?.cancel();
    return { statusCode: res.status, message: res.ok ? null : `answered ${res.status}` };
  } catch (err) {
    return { statusCode: null, message: err instanceof Error ? err.message : String(err) };
  }
}

/** Starts the BullMQ worker that delivers notifications. */
export function startNotifyWorker(jobQueue: string, notifier: Notifier, connection: Redis, log: Logger): Worker {
  const processor = async (job: Job<NotifyPayload>) => {
    const last = job.attemptsMade + 1 >= (job.opts.attempts ?? NOTIFY_POLICY.attempts);
    await notifier.deliver(job.data.jobId, last, job.data.redeliver ? "redeliver" : "delivery");
  };
  const worker = new Worker<NotifyPayload>(notifyQueueName(jobQueue), processor, { connection, concurrency: 4 });
  worker.on("failed", (job, err) =>
    log.warn({ jobId: job?.data.jobId, err: err.message }, "notification attempt failed"),
  );
  return worker;
}
