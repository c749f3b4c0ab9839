import type { JobRecord } from "@patchbay/db";
import { describe, expect, it } from "vitest";
import { cacheEntry } from "./git-cache.js";
import { cacheScope } from "./job-checkout.js";

const job = (url: string, projectId = "p1") => ({ projectId, spec: { repo: { url } } }) as JobRecord;

describe("which git cache entry a job may use", () => {
  it("shares objects fetched with no credential, per remote URL", () => {
    expect(cacheScope(job("https://git.example.com/a.git"), {})).toEqual({ kind: "shared" });
    expect(cacheScope(job("git@git.example.com:a.git"), {})).toEqual({ kind: "shared" });
    const a = cacheEntry("/c", "https://git.example.com/a.git", { kind: "shared" });
    expect(cacheEntry("/c", "https://git.example.com/a.git", { kind: "shared" })).toBe(a);
    expect(cacheEntry("/c", "https://git.example.com/b.git", { kind: "shared" })).not.toBe(a);
  });

  it("keeps objects fetched with a project's credential, or a URL carrying one, to that project", () => {
    const token = { GIT_CONFIG_COUNT: "1", GIT_CONFIG_KEY_0: "http.extraHeader", GIT_CONFIG_VALUE_0: "x" };
    expect(cacheScope(job("https://git.example.com/a.git"), token)).toEqual({ kind: "project", projectId: "p1" });
    expect(cacheScope(job("git@git.example.com:a.git"), { GIT_SSH_COMMAND: "ssh -i key" })).toMatchObject({
      kind: "project",
    });
    expect(cacheScope(job("https://u:pw@git.example.com/a.git", "p2"), {})).toEqual({
      kind: "project",
      projectId: "p2",
    });
    const url = "https://git.example.com/a.git";
    const mine = cacheEntry("/c", url, { kind: "project", projectId: "p1" });
    expect(mine).not.toBe(cacheEntry("/c", url, { kind: "project", projectId: "p2" }));
    expect(mine).not.toBe(cacheEntry("/c", url, { kind: "shared" }));
  });
});
