import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { CheckoutStats, JobEvent } from "@patchbay/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { git, runJob, say, shell, toolOutputs } from "./env-helpers.js";
import { fixtureRepo, type Stack, startStack } from "./stack.js";

// Two jobs on one remote through a whole worker: the second fetches only the commit pushed in
// between, says so in its provision event, and its agent sees the new tree.

let stack: Stack;
const repo = fixtureRepo();
const cacheDir = mkdtempSync(path.join(tmpdir(), "patchbay-e2e-git-cache-"));

const checkoutOf = (events: JobEvent[]): { text: string; checkout?: CheckoutStats } | undefined =>
  events
    .filter((e) => e.type === "log")
    .map((e) => e.data as { text: string; checkout?: CheckoutStats })
    .find((d) => d.text.startsWith("cloned "));

beforeAll(async () => {
  stack = await startStack(
    { "read-notes": { turns: [{ output: [shell("cat CACHE.md 2>&1 || true")] }, { output: [say("read it")] }] } },
    { PATCHBAY_GIT_CACHE_DIR: cacheDir },
  );
});

afterAll(async () => {
  await stack?.close();
  repo.remove();
  rmSync(cacheDir, { recursive: true, force: true });
});

describe("the worker's git cache", () => {
  it("a second job on the same remote fetches only the new commit, says so, and works on the new tree", async () => {
    const spec = { repo: { url: repo.url }, task: "Read CACHE.md.", model: "script:read-notes" };
    const first = await runJob(stack, spec);
    expect(first.job.status).toBe("succeeded");
    expect(checkoutOf(first.events)?.checkout).toMatchObject({ cache: "miss", scope: "shared", history: "shallow" });

    writeFileSync(path.join(repo.dir, "CACHE.md"), "pushed between the jobs\n");
    git(repo.dir, "add", "CACHE.md");
    git(repo.dir, "commit", "-qm", "between");
    const second = await runJob(stack, spec);
    expect(second.job.status).toBe("succeeded");
    const provision = checkoutOf(second.events);
    // The commit, its root tree and the one new file: nothing else travelled.
    expect(provision?.checkout).toMatchObject({ cache: "hit", objectsFetched: 3 });
    expect(provision?.text).toContain("git cache hit: fetched 3 new objects");
    expect(toolOutputs(second.events).join("\n")).toContain("pushed between the jobs");
    expect(second.job.result?.baseCommit).toBe(git(repo.dir, "rev-parse", "HEAD"));
  }, 600_000);
});
