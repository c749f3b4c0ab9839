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

  /** Every secret of the project in plaintext, by name (for the worker's setup phase only). */
  async values(projectId: string): Promise<Record<string, string>> {
    const rows = await this.db.projectSecret.findMany({ where: { projectId } });
    if (rows.length === 0) return {};
    const box = this.requireBox();
    return Object.fromEntries(rows.map((r) => [r.name, box.open(r.value, `${projectId}/${r.name}`)]));
  }
}
