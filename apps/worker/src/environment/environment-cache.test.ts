import type { EnvironmentRecord } from "@patchbay/db";
import { describe, expect, it } from "vitest";
import { chooseEvictions } from "./environment-cache.js";

const NOW = new Date("2026-12-01T12:00:00Z");
const HOUR = 3_600_000;

/** An environment last used `usedHoursAgo` before NOW, expiring `expiresInHours` after it. */
function env(key: string, sizeBytes: number, usedHoursAgo: number, expiresInHours = 6): EnvironmentRecord {
  return {
    projectId: "p",
    key,
    image: `patchbay-env-x:${key}`,
    baseImage: "sha256:base",
    repoUrl: "https://git.example.com/r.git",
    sizeBytes,
    buildMs: 1000,
    hits: 0,
    createdAt: new Date(NOW.getTime() - 10 * HOUR),
    lastUsedAt: new Date(NOW.getTime() - usedHoursAgo * HOUR),
    expiresAt: new Date(NOW.getTime() + expiresInHours * HOUR),
  };
}

/** The records least recently used first, as the repository lists them. */
function byAge(...envs: EnvironmentRecord[]): EnvironmentRecord[] {
  return envs.sort((a, b) => a.lastUsedAt.getTime() - b.lastUsedAt.getTime());
}

const keys = (envs: EnvironmentRecord[]) => envs.map((e) => e.key);

describe("chooseEvictions", () => {
  it("keeps everything live under the cap", () => {
    expect(chooseEvictions(byAge(env("a", 100, 3), env("b", 100, 1)), 1000, NOW)).toEqual([]);
  });

  it("drops an expired environment however recently it was used and however much room there is", () => {
    const all = byAge(env("old", 100, 5), env("expired", 100, 0.1, -0.5), env("new", 100, 1));
    expect(keys(chooseEvictions(all, 10_000, NOW))).toEqual(["expired"]);
  });

  it("an environment expiring at this very moment counts as expired", () => {
    expect(keys(chooseEvictions([env("edge", 1, 1, 0)], 10, NOW))).toEqual(["edge"]);
  });

  it("past the cap drops the least recently used until the rest fit, and no more", () => {
    const all = byAge(env("c", 400, 1), env("a", 400, 9), env("b", 400, 5), env("d", 400, 0.5));
    // 1,600 bytes under a 900-byte cap: the two least recently used go, 800 bytes stay.
    expect(keys(chooseEvictions(all, 900, NOW))).toEqual(["a", "b"]);
  });

  it("the room expired environments free counts before any live one is dropped for the cap", () => {
    const all = byAge(env("lru", 500, 9), env("b", 500, 5), env("expired", 500, 1, -1));
    expect(keys(chooseEvictions(all, 1000, NOW))).toEqual(["expired"]);
    const tight = byAge(env("lru", 500, 9), env("b", 500, 5), env("expired", 500, 1, -1));
    expect(keys(chooseEvictions(tight, 600, NOW))).toEqual(["expired", "lru"]);
  });

  it("one environment bigger than the cap goes too", () => {
    expect(keys(chooseEvictions([env("huge", 5000, 1)], 1000, NOW))).toEqual(["huge"]);
  });
});
