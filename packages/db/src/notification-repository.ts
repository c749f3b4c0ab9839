import type { Db } from "./client.js";

/** One recorded POST of a job's notification. */
export interface NotificationAttemptRecord {
  attempt: number;
  ts: Date;
  statusCode: number | null;
  error: string | null;
  ms: number;
}

/** A job's notification with every attempt. */
export interface NotificationRecord {
  jobId: string;
  url: string;
  state: "pending" | "delivered" | "failed";
  attempts: number;
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

  /** Records one attempt and the notification's new state. */
  async recordAttempt(
    jobId: string,
    attempt: Omit<NotificationAttemptRecord, "ts">,
    state: NotificationRecord["state"],
  ): Promise<void> {
    await this.db.$transaction([
      this.db.notificationAttempt.create({ data: { jobId, ...attempt } }),
      this.db.jobNotification.update({
        where: { jobId },
        data: { state, attempts: attempt.attempt, ...(state === "delivered" ? { deliveredAt: new Date() } : {}) },
      }),
    ]);
  }

  /** The job's notification and its attempts, oldest first. */
  async find(jobId: string): Promise<NotificationRecord | null> {
    const row = await this.db.jobNotification.findUnique({
      where: { jobId },
      include: { log: { orderBy: { attempt: "asc" } } },
    });
    if (!row) return null;
    const log = row.log.map(({ attempt, ts, statusCode, error, ms }) => ({ attempt, ts, statusCode, error, ms }));
    return { ...row, state: row.state as NotificationRecord["state"], log };
  }

  /**
   * Finished jobs that asked for a notification and have none yet (e.g. cancelled by the API
   * before a worker saw them), finished within the window.
   */
  async unclaimed(since: Date, limit = 100): Promise<Array<{ id: string; url: string }>> {
    return this.db.$queryRaw<Array<{ id: string; url: string }>>`
      SELECT j.id::text AS id, j.spec->'notify'->>'url' AS url FROM jobs j
      WHERE j.finished_at >= ${since} AND j.spec->'notify'->>'url' IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM job_notifications n WHERE n.job_id = j.id)
      ORDER BY j.finished_at LIMIT ${limit}`;
  }
}
