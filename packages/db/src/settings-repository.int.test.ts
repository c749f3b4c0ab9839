import { randomUUID } from "node:crypto";
import { loadConfig } from "@patchbay/config";
import { afterAll, describe, expect, it } from "vitest";
import { createDb } from "./client.js";
import { SettingsRepository } from "./settings-repository.js";

const db = createDb(loadConfig().DATABASE_URL, { max: 4 });
const key = `test-${randomUUID()}`;

afterAll(async () => {
  await db.setting.deleteMany({ where: { key } });
  await db.$disconnect();
});

describe("SettingsRepository", () => {
  it("stores a value once: processes starting together all get the first one", async () => {
    const settings = new SettingsRepository(db);
    const values = await Promise.all(
      Array.from({ length: 6 }, (_, i) => settings.getOrCreate(key, () => `value-${i}`)),
    );
    expect(new Set(values).size).toBe(1);
    expect(await settings.getOrCreate(key, () => "later")).toBe(values[0]);
  });

  it("keeps one installation id for the database", async () => {
    const settings = new SettingsRepository(db);
    const id = await settings.installationId();
    expect(id).toMatch(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/);
    expect(await new SettingsRepository(db).installationId()).toBe(id);
  });
});
