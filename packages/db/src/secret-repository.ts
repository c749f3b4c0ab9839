import { PatchbayError } from "@patchbay/core";
import type { Db } from "./client.js";
import type { SecretBox } from "./secret-box.js";

/** Secret names are environment variable names (setup commands get them as such). */
export const SECRET_NAME_PATTERN = /^[A-Z_][A-Z0-9_]{0,127}$/;

/** A secret's name and when it was set; never its value. */
export interface SecretInfo {
  name: string;
  updatedAt: Date;
}

/** Project secrets, encrypted before they reach the database and decrypted only for a job. */
export class SecretRepository {
  constructor(
    private readonly db: Db,
    private readonly box: SecretBox | null,
  ) {}

  private requireBox(): SecretBox {
    if (!this.box) {
      throw new PatchbayError(
        "unavailable",
        "project secrets are not configured on this server (PATCHBAY_SECRETS_KEY)",
      );
    }
    return this.box;
  }

  /** Creates or replaces a secret. */
  async put(projectId: string, name: string, value: string): Promise<SecretInfo> {
    const sealed = this.requireBox().seal(value, `${projectId}/${name}`);
    return this.db.projectSecret.upsert({
      where: { projectId_name: { projectId, name } },
      create: { projectId, name, value: sealed },
      update: { value: sealed },
      select: { name: true, updatedAt: true },
    });
  }

  /** Names of the project's secrets. */
  async list(projectId: string): Promise<SecretInfo[]> {
    return this.db.projectSecret.findMany({
      where: { projectId },
      orderBy: { name: "asc" },
      select: { name: true, updatedAt: true },
    });
  }

  /** Deletes a secret; false when there was none. */
  async remove(projectId: string, name: string): Promise<boolean> {
    const { count } = await this.db.projectSecret.deleteMany({ where: { projectId, name } });
    return count === 1;
  }

  /**
   * Seals every stored secret (of one project, when given) again with the current key, after a
   * rotation while the old key is still given as previous. Secrets no key opens are left as they
   * are and named (`project/NAME`) in `failed`.
   */
  async rekey(projectId?: string): Promise<{ rekeyed: number; failed: string[] }> {
    const box = this.requireBox();
    const rows = await this.db.projectSecret.findMany({
      where: projectId ? { projectId } : {},
      select: { projectId: true, name: true, value: true },
    });
    const failed: string[] = [];
    for (const r of rows) {
      const context = `${r.projectId}/${r.name}`;
      let value: string;
      try {
        value = box.seal(box.open(r.value, context), context);
      } catch {
        failed.push(context);
        continue;
      }
      const where = { projectId_name: { projectId: r.projectId, name: r.name } };
      await this.db.projectSecret.update({ where, data: { value } });
    }
    return { rekeyed: rows.length - failed.length, failed };
  }

  /** Every secret of the project in plaintext, by name (for the worker's setup phase only). */
  async values(projectId: string): Promise<Record<string, string>> {
    const rows = await this.db.projectSecret.findMany({ where: { projectId } });
    if (rows.length === 0) return {};
    const box = this.requireBox();
    return Object.fromEntries(rows.map((r) => [r.name, box.open(r.value, `${projectId}/${r.name}`)]));
  }
}
