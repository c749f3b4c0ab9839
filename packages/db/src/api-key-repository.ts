import type { ApiScope } from "./api-key.js";
import { generateApiKey } from "./api-key.js";
import type { Db } from "./client.js";
import { ProjectRepository } from "./project-repository.js";

/** An API key as stored (never the key itself). */
export interface ApiKeyRecord {
  prefix: string;
  projectId: string;
  scopes: string[];
  name: string | null;
  rateLimitPerMin: number | null;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

const PUBLIC_FIELDS = {
  prefix: true,
  projectId: true,
  scopes: true,
  name: true,
  rateLimitPerMin: true,
  createdAt: true,
  lastUsedAt: true,
  revokedAt: true,
} as const;

/** Creates, finds, lists and revokes API keys; only hashes are stored. */
export class ApiKeyRepository {
  constructor(private readonly db: Db) {}

  /** Makes a key for the project (created when missing); the plaintext is returned only here. */
  async create(input: {
    projectId: string;
    scopes: readonly ApiScope[];
    name?: string;
    rateLimitPerMin?: number;
  }): Promise<{ key: string; record: ApiKeyRecord }> {
    await new ProjectRepository(this.db).ensure(input.projectId);
    const made = generateApiKey();
    const record = await this.db.apiKey.create({
      data: {
        prefix: made.prefix,
        hash: made.hash,
        projectId: input.projectId,
        scopes: [...new Set(input.scopes)],
        name: input.name ?? null,
        rateLimitPerMin: input.rateLimitPerMin ?? null,
      },
      select: PUBLIC_FIELDS,
    });
    return { key: made.key, record };
  }

  /** The key with this prefix and its stored hash, revoked or not; null when unknown. */
  async findByPrefix(prefix: string): Promise<(ApiKeyRecord & { hash: string }) | null> {
    return this.db.apiKey.findUnique({ where: { prefix } });
  }

  /** Keys, newest first, optionally of one project. */
  async list(projectId?: string): Promise<ApiKeyRecord[]> {
    return this.db.apiKey.findMany({
      where: projectId ? { projectId } : {},
      orderBy: { createdAt: "desc" },
      select: PUBLIC_FIELDS,
    });
  }

  /** Revokes the key at once; false when there is no such active key. */
  async revoke(prefix: string): Promise<boolean> {
    const { count } = await this.db.apiKey.updateMany({
      where: { prefix, revokedAt: null },
      data: { revokedAt: new Date() },
    });
    return count === 1;
  }

  /** Records that the key was used (for spotting unused keys before rotation). */
  async touch(prefix: string, at = new Date()): Promise<void> {
    await this.db.apiKey.updateMany({ where: { prefix }, data: { lastUsedAt: at } });
  }
}
