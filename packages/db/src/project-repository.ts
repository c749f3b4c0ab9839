import type { JobStatus } from "@patchbay/core";
import type { Db } from "./client.js";

/** Project ids: short lowercase slugs (`default`, `web-team`). */
export const PROJECT_ID_PATTERN = /^[a-z0-9][a-z0-9_-]{0,62}$/;

/** The project every job row from before projects existed belongs to. */
export const DEFAULT_PROJECT = "default";

/** A project and its own limits (null: the configured default). */
export interface ProjectRecord {
  id: string;
  maxRunningJobs: number | null;
  maxQueuedJobs: number | null;
  createdAt: Date;
}

/** Reads and writes projects. */
export class ProjectRepository {
  constructor(private readonly db: Db) {}

  /** Creates the project when it does not exist; returns it. */
  async ensure(id: string): Promise<ProjectRecord> {
    if (!PROJECT_ID_PATTERN.test(id)) {
      throw new Error(`project id ${JSON.stringify(id)} must be lowercase letters, digits, - and _ (max 63)`);
    }
    return this.db.project.upsert({ where: { id }, create: { id }, update: {} });
  }

  /** The project, or null. */
  async find(id: string): Promise<ProjectRecord | null> {
    return this.db.project.findUnique({ where: { id } });
  }

  /** Every project, oldest first. */
  async list(): Promise<ProjectRecord[]> {
    return this.db.project.findMany({ orderBy: { createdAt: "asc" } });
  }

  /** Sets the project's own limits (null: back to the configured default). */
  async setLimits(
    id: string,
    limits: { maxRunningJobs?: number | null; maxQueuedJobs?: number | null },
  ): Promise<ProjectRecord> {
    return this.db.project.update({ where: { id }, data: limits });
  }

  /** How many of the project's jobs have this status. */
  async countJobs(projectId: string, status: JobStatus): Promise<number> {
    return this.db.job.count({ where: { projectId, status } });
  }
}
