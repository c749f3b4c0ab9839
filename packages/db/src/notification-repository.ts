import type { Db } from "./client.js";

/** One recorded POST of a job's notification. */
export interface NotificationAttemptRecord {
  attempt: number;
  ts: Date;
  statusCode: number | null;
  error: string | null;
  ms: number;
  /** `delivery` (the first POST and its automatic retries) or `redeliver` (asked for through the API). */
  trigger: NotificationTrigger;
}

/** What made an attempt: the delivery itself (with its retries) or a redelivery asked for. */
export type NotificationTrigger = "delivery" | "redeliver";

/** A job's notification with every attempt. */
export interface NotificationRecord {
  jobId: string;
  /** Sent as X-Patchbay-Delivery on every attempt of this event. */
  deliveryId: string;
  event: string;
  url: string;
  state: "pending" | "delivered" | "failed";
  attempts: number;
  createdAt: Date;
  deliveredAt: Date | null;
  log: NotificationAttemptRecord[];
}

/** Outgoing job notifications: at most one per job, each attempt recorded. */
export class NotificationRepository {
  constructor(private readonly db: Db) {}

  /** Claims the job's notification; false when it exists already (so it is sent once). */
  async claim(jobId: string, url: string): Promise<boolean> {
    const { count } = await this.db.jobNotification.createMany({ data: [{ jobId, url }], skipDuplicates: true });
    return count === 1;
  }

  /**
   * Records one attempt and the notification's new state; the attempt's number is the next of the
   * notification (counted here, so a redelivery continues the numbering of the first delivery).
   */
  async recordAttempt(
    jobId: string,
    attempt: Omit<NotificationAttemptRecord, "ts" | "attempt">,
    state: NotificationRecord["state"],
  ): Promise<number> {
    return this.db.$transaction(async (tx) => {
      const row = await tx.jobNotification.update({
        where: { jobId },
        data: { state, attempts: { increment: 1 }, ...(state === "delivered" ? { deliveredAt: new Date() } : {}) },
        select: { attempts: true },
      });
      await tx.notificationAttempt.create({ data: { jobId, attempt: row.attempts, ...attempt } });
      return row.attempts;
    });
  }

  /** Marks a delivery as pending again before its redelivery; false when the job has no such delivery. */
  async markRedelivering(jobId: string, deliveryId: string): Promise<boolean> {
    const { count } = await this.db.jobNotification.updateMany({
      where: { jobId, deliveryId },
      data: { state: "pending" },
    });
    return count === 1;
  }

  /** The job's notification and its attempts, oldest first. */
  async find(jobId: string): Promise<NotificationRecord | null> {
    const row = await this.db.jobNotification.findUnique({
      where: { jobId },
      include: { log: { orderBy: { attempt: "asc" } } },
    });
    if (!row) return null;
    const log = row.log.map(({ attempt, ts, statusCode, error, ms, trigger }) => ({
      attempt,
      ts,
      statusCode,
      error,
      ms,
      trigger: trigger as NotificationTrigger,
    }));
    const { deliveryId, event, url, attempts, createdAt, deliveredAt } = row;
    const state = row.state as NotificationRecord["state"];
    return { jobId, deliveryId, event, url, state, attempts, createdAt, deliveredAt, log };
  }

  /**
   * A queue's finished jobs that asked for a notification and have none yet (e.g. cancelled by the
   * API before a worker saw them), finished within the window. Only the queue's own: a claim puts
   * the delivery on the claimer's notify queue, which no worker of another queue reads.
   */
  async unclaimed(queue: string, since: Date, limit = 100): Promise<Array<{ id: string; url: string }>> {
    return this.db.$queryRaw<Array<{ id: string; url: string }>>`
      SELECT j.id::text AS id, j.spec->'notify'->>'url' AS url FROM jobs j
      WHERE j.queue = ${queue} AND j.finished_at >= ${since} AND j.spec->'notify'->>'url' IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM job_notifications n WHERE n.job_id = j.id)
      ORDER BY j.finished_at LIMIT ${limit}`;
  }
}
