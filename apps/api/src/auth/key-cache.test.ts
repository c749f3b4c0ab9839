import { describe, expect, it } from "vitest";
import { KeyCache, type StoredKey } from "./key-cache.js";

const row = (prefix: string, revokedAt: Date | null = null): StoredKey =>
  ({ prefix, hash: "ab", projectId: "p", scopes: ["admin"], revokedAt }) as unknown as StoredKey;

/** A table of key rows and a count of the reads the cache made from it. */
function table() {
  const rows = new Map<string, StoredKey>();
  let reads = 0;
  let clock = 0;
  const cache = new KeyCache(
    async (prefix) => {
      reads++;
      return rows.get(prefix) ?? null;
    },
    2_000,
    () => clock,
  );
  return { rows, cache, reads: () => reads, tick: (ms: number) => (clock += ms) };
}

describe("KeyCache", () => {
  it("reads a key's row once within the bound, also for concurrent requests", async () => {
    const t = table();
    t.rows.set("a", row("a"));
    await Promise.all([t.cache.find("a"), t.cache.find("a"), t.cache.find("a")]);
    t.tick(1_999);
    expect(await t.cache.find("a")).toMatchObject({ prefix: "a" });
    expect(t.reads()).toBe(1);
  });

  it("sees a revocation once the bound has passed", async () => {
    const t = table();
    t.rows.set("a", row("a"));
    expect((await t.cache.find("a"))?.revokedAt).toBeNull();
    t.rows.set("a", row("a", new Date()));
    t.tick(2_000);
    expect((await t.cache.find("a"))?.revokedAt).toBeInstanceOf(Date);
  });

  it("keeps no answer for an unknown prefix: a key made a moment later works at once", async () => {
    const t = table();
    expect(await t.cache.find("b")).toBeNull();
    t.rows.set("b", row("b"));
    expect(await t.cache.find("b")).toMatchObject({ prefix: "b" });
    expect(t.reads()).toBe(2);
  });

  it("keeps no failed read", async () => {
    let fail = true;
    const cache = new KeyCache(async (prefix) => {
      if (fail) throw new Error("database down");
      return row(prefix);
    });
    await expect(cache.find("c")).rejects.toThrow("database down");
    fail = false;
    expect(await cache.find("c")).toMatchObject({ prefix: "c" });
  });
});
