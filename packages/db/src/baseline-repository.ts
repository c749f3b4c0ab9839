import { type CheckRun, storableJson } from "@patchbay/core";
import type { Db } from "./client.js";
import type { Prisma } from "./generated/prisma/client.js";

/** A baseline kept for reuse: the checks on an untouched commit, and the job that ran them. */
export interface BaselineRecord {
  runs: CheckRun[];
  jobId: string;
  createdAt: Date;
}

/** Baselines of a project that later jobs on the same tree, environment and commands reuse. */
export class BaselineRepository {
  constructor(private readonly db: Db) {}

  /** A live (unexpired) baseline for the key, or null. */
  async find(projectId: string, key: string, now = new Date()): Promise<BaselineRecord | null> {
    const row = await this.db.baseline.findUnique({ where: { projectId_key: { projectId, key } } });
    if (!row || row.expiresAt <= now) return null;
    return { runs: row.runs as unknown as CheckRun[], jobId: row.jobId, createdAt: row.createdAt };
  }

  /** Keeps a baseline for `ttlMs` (replacing one with the same key) and drops expired ones. */
  async save(projectId: string, key: string, value: { runs: CheckRun[]; jobId: string; ttlMs: number }): Promise<void> {
    // Check output may hold a NUL or a lone surrogate, which jsonb refuses.
    const data = {
      runs: storableJson(value.runs).value as unknown as Prisma.InputJsonValue,
      jobId: value.jobId,
      createdAt: new Date(),
      expiresAt: new Date(Date.now() + value.ttlMs),
    };
    await this.db.baseline.upsert({
      where: { projectId_key: { projectId, key } },
      create: { projectId, key, ...data },
      update: data,
    });
    await this.db.baseline.deleteMany({ where: { expiresAt: { lt: new Date() } } });
  }
}
