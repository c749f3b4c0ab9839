import type { JobSpec } from "@patchbay/core";
import type { Db } from "./client.js";
import { Prisma } from "./generated/prisma/client.js";

/** A recurring job. */
export interface ScheduleRecord {
  id: string;
  projectId: string;
  name: string | null;
  cron: string | null;
  everyMs: number | null;
  timezone: string | null;
  spec: JobSpec;
  paused: boolean;
  /** A tick may start a job while the previous one is still queued or running. */
  allowOverlap: boolean;
  runs: number;
  /** Ticks that made no job (previous run unfinished, or the spec refused at run time). */
  skippedRuns: number;
  lastRunAt: Date | null;
  lastJobId: string | null;
  /** Why the last tick made no job; null once a tick made one. */
  lastError: ScheduleError | null;
  /** The job queue whose workers fire it. */
  queue: string;
  createdAt: Date;
}

/** Why a tick made no job. */
export interface ScheduleError {
  code: string;
  message: string;
  at: string;
}

type Row = Prisma.ScheduleGetPayload<Record<string, never>>;
const toRecord = (row: Row): ScheduleRecord => ({
  ...row,
  spec: row.spec as unknown as JobSpec,
  lastError: row.lastError as unknown as ScheduleError | null,
});

/** Schedules of a project (BullMQ's job schedulers fire them; this is their source of truth). */
export class ScheduleRepository {
  constructor(private readonly db: Db) {}

  /** Stores a new schedule. */
  async create(
    input: Omit<
      ScheduleRecord,
      | "paused"
      | "runs"
      | "skippedRuns"
      | "lastRunAt"
      | "lastJobId"
      | "lastError"
      | "createdAt"
      | "allowOverlap"
      | "queue"
    > & { allowOverlap?: boolean; queue?: string },
  ) {
    const data = { ...input, spec: input.spec as unknown as Prisma.InputJsonValue };
    return toRecord(await this.db.schedule.create({ data }));
  }

  /** The schedule, within the project (any project when projectId is null). */
  async find(projectId: string | null, id: string): Promise<ScheduleRecord | null> {
    const row = await this.db.schedule.findFirst({ where: { id, ...(projectId ? { projectId } : {}) } });
    return row ? toRecord(row) : null;
  }

  /** Every schedule of the project, oldest first. */
  async list(projectId: string): Promise<ScheduleRecord[]> {
    return (await this.db.schedule.findMany({ where: { projectId }, orderBy: { createdAt: "asc" } })).map(toRecord);
  }

  /** The queue's schedules that are not paused (a worker restores its own queue's schedulers at start). */
  async active(queue: string): Promise<ScheduleRecord[]> {
    return (await this.db.schedule.findMany({ where: { paused: false, queue } })).map(toRecord);
  }

  /** Pauses or resumes; null when the schedule is not the project's. */
  async setPaused(projectId: string, id: string, paused: boolean): Promise<ScheduleRecord | null> {
    const { count } = await this.db.schedule.updateMany({ where: { id, projectId }, data: { paused } });
    return count ? this.find(projectId, id) : null;
  }

  /** Records a run that made a job. */
  async recordRun(id: string, jobId: string): Promise<void> {
    await this.db.schedule.update({
      where: { id },
      data: { runs: { increment: 1 }, lastRunAt: new Date(), lastJobId: jobId, lastError: Prisma.DbNull },
    });
  }

  /** Records a tick that made no job; `error` says why when it was refused (a skip keeps the last error). */
  async recordSkip(id: string, error?: { code: string; message: string }): Promise<void> {
    const lastError = error ? { ...error, at: new Date().toISOString() } : undefined;
    await this.db.schedule.updateMany({
      where: { id },
      data: { skippedRuns: { increment: 1 }, ...(lastError ? { lastError } : {}) },
    });
  }

  /** Deletes the schedule; false when it is not the project's. */
  async delete(projectId: string, id: string): Promise<boolean> {
    return (await this.db.schedule.deleteMany({ where: { id, projectId } })).count === 1;
  }
}
