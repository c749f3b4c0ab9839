import { DEFAULT_PROJECT_ENVIRONMENT, type ProjectEnvironment, ProjectEnvironmentSchema } from "@patchbay/core";
import type { Db } from "./client.js";

/** A cached environment as stored. */
export interface EnvironmentRecord {
  projectId: string;
  key: string;
  image: string;
  baseImage: string;
  repoUrl: string;
  sizeBytes: number;
  buildMs: number;
  hits: number;
  createdAt: Date;
  lastUsedAt: Date;
  expiresAt: Date;
}

type Row = Omit<EnvironmentRecord, "sizeBytes"> & { sizeBytes: bigint };

function toRecord(row: Row): EnvironmentRecord {
  return { ...row, sizeBytes: Number(row.sizeBytes) };
}

/** Projects' environment settings and their cached environments. */
export class EnvironmentRepository {
  constructor(private readonly db: Db) {}

  /** The project's settings (defaults for a project that set none or does not exist). */
  async settings(projectId: string): Promise<ProjectEnvironment> {
    const row = await this.db.project.findUnique({ where: { id: projectId }, select: { environment: true } });
    const parsed = ProjectEnvironmentSchema.safeParse(row?.environment ?? {});
    return parsed.success ? parsed.data : DEFAULT_PROJECT_ENVIRONMENT;
  }

  /** Replaces the project's settings (the project must exist). */
  async setSettings(projectId: string, settings: ProjectEnvironment): Promise<ProjectEnvironment> {
    await this.db.project.update({ where: { id: projectId }, data: { environment: settings } });
    return settings;
  }

  /** A live (unexpired) cached environment, or null. */
  async findLive(projectId: string, key: string, now = new Date()): Promise<EnvironmentRecord | null> {
    const row = await this.db.environment.findUnique({ where: { projectId_key: { projectId, key } } });
    return row && row.expiresAt > now ? toRecord(row) : null;
  }

  /** Records a use: one more hit, and the LRU clock moves. */
  async touch(projectId: string, key: string): Promise<void> {
    await this.db.environment.updateMany({
      where: { projectId, key },
      data: { hits: { increment: 1 }, lastUsedAt: new Date() },
    });
  }

  /** Stores a newly built environment (replacing an older one with the same key). */
  async save(record: Omit<EnvironmentRecord, "hits" | "createdAt" | "lastUsedAt">): Promise<void> {
    const data = {
      ...record,
      sizeBytes: BigInt(record.sizeBytes),
      hits: 0,
      createdAt: new Date(),
      lastUsedAt: new Date(),
    };
    await this.db.environment.upsert({
      where: { projectId_key: { projectId: record.projectId, key: record.key } },
      create: data,
      update: data,
    });
  }

  /** The project's cached environments, most recently used first. */
  async list(projectId: string): Promise<EnvironmentRecord[]> {
    const rows = await this.db.environment.findMany({ where: { projectId }, orderBy: { lastUsedAt: "desc" } });
    return rows.map(toRecord);
  }

  /** Every cached environment, least recently used first (for eviction). */
  async listAllByAge(): Promise<EnvironmentRecord[]> {
    const rows = await this.db.environment.findMany({ orderBy: { lastUsedAt: "asc" } });
    return rows.map(toRecord);
  }

  /** Forgets one environment (or all of a project's); returns the removed records. */
  async remove(projectId: string, key?: string): Promise<EnvironmentRecord[]> {
    const where = key ? { projectId, key } : { projectId };
    const rows = await this.db.environment.findMany({ where });
    await this.db.environment.deleteMany({ where });
    return rows.map(toRecord);
  }
}
