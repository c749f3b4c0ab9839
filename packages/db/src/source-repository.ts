import type { Db } from "./client.js";
import type { Prisma } from "./generated/prisma/client.js";

/** An uploaded bundle without its bytes. */
export interface SourceInfo {
  id: string;
  projectId: string;
  bytes: number;
  sha256: string;
  heads: Array<{ commit: string; ref: string }>;
  createdAt: Date;
}

const INFO = { id: true, projectId: true, bytes: true, sha256: true, heads: true, createdAt: true } as const;

function toInfo(row: Prisma.SourceGetPayload<{ select: typeof INFO }>): SourceInfo {
  return { ...row, heads: row.heads as unknown as SourceInfo["heads"] };
}

/** Uploaded git bundles, kept in Postgres so that workers on any machine can clone them. */
export class SourceRepository {
  constructor(private readonly db: Db) {}

  /** Stores a verified bundle. */
  async create(input: Omit<SourceInfo, "createdAt"> & { data: Buffer }): Promise<SourceInfo> {
    const row = await this.db.source.create({
      data: { ...input, data: new Uint8Array(input.data), heads: input.heads as unknown as Prisma.InputJsonValue },
      select: INFO,
    });
    return toInfo(row);
  }

  /** The project's newest bundle with these bytes (by SHA-256), if one is still stored. */
  async findByContent(projectId: string, sha256: string): Promise<SourceInfo | null> {
    const row = await this.db.source.findFirst({
      where: { projectId, sha256 },
      orderBy: { createdAt: "desc" },
      select: INFO,
    });
    return row ? toInfo(row) : null;
  }

  /** The bundle's metadata, only within the project. */
  async find(projectId: string, id: string): Promise<SourceInfo | null> {
    const row = await this.db.source.findFirst({ where: { id, projectId }, select: INFO });
    return row ? toInfo(row) : null;
  }

  /** The bundle's bytes, only within the project. */
  async read(projectId: string, id: string): Promise<Buffer | null> {
    const row = await this.db.source.findFirst({ where: { id, projectId }, select: { data: true } });
    return row ? Buffer.from(row.data) : null;
  }

  /**
   * Deletes bundles uploaded before the cutoff that nothing still needs: no queued or running job
   * and no schedule of the bundle's own project names them (another project's cannot keep them
   * alive), within one project when `projectId` is given. Returns how many went.
   */
  async deleteUnusedBefore(cutoff: Date, projectId: string | null = null): Promise<number> {
    return this.db.$executeRaw`
      DELETE FROM sources s
      WHERE s.created_at < ${cutoff}
        AND (${projectId}::text IS NULL OR s.project_id = ${projectId}::text)
        AND NOT EXISTS (SELECT 1 FROM jobs j
                        WHERE j.status IN ('queued', 'running') AND j.project_id = s.project_id
                          AND j.spec->'repo'->>'source' = s.id::text)
        AND NOT EXISTS (SELECT 1 FROM schedules c
                        WHERE c.project_id = s.project_id AND c.spec->'repo'->>'source' = s.id::text)`;
  }
}
