import { randomBytes } from "node:crypto";
import type { Db } from "./client.js";

/** The settings key of this installation's id. */
export const INSTALLATION_ID_KEY = "installation_id";

/** Installation-wide values kept in the database (one row per key). */
export class SettingsRepository {
  constructor(private readonly db: Db) {}

  /** The value of `key`, or null when it was never set. */
  async get(key: string): Promise<string | null> {
    return (await this.db.setting.findUnique({ where: { key } }))?.value ?? null;
  }

  /**
   * The value of `key`; the first caller stores `make()`. Processes starting at the same moment
   * all get the one value that was stored first.
   */
  async getOrCreate(key: string, make: () => string): Promise<string> {
    await this.db.setting.createMany({ data: [{ key, value: make() }], skipDuplicates: true });
    const value = await this.get(key);
    if (value === null) throw new Error(`setting ${key} vanished while it was being created`);
    return value;
  }

  /**
   * This installation's id: random, made on first start and kept in this database. Every process
   * sharing the database (one installation) shares it; an installation with its own database
   * never does, even when both use the same DATABASE_URL text on different hosts. A restored copy
   * of the database carries the id along: give the copy its own PATCHBAY_INSTALLATION_ID.
   */
  async installationId(): Promise<string> {
    return this.getOrCreate(INSTALLATION_ID_KEY, () => `pb-${randomBytes(8).toString("hex")}`);
  }
}
