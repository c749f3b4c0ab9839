import { createHash, randomBytes } from "node:crypto";
import { chmodSync, rmSync } from "node:fs";
import path from "node:path";
import type { ModelScript } from "@patchbay/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, commitAll, type FinishedJob, runJob, say, writeTree } from "./env-helpers.js";
import { type Stack, startStack } from "./stack.js";

/** The registry the repository's lockfile names; nothing serves it: setup must fail before any download. */
const REGISTRY_HOST = "registry.test";
const temps: string[] = [];
const SCRIPTS: Record<string, ModelScript> = { noop: { turns: [{ output: [say("Nothing to do.")] }] } };

/** A Node project with one locked dependency on registry.test (npm gives up at once: no retries). */
function lockedRepo(): string {
  const integrity = `sha512-${createHash("sha512").update(randomBytes(16)).digest("base64")}`;
  const root = { name: "env-fail", version: "1.0.0", dependencies: { "pb-pad": "1.0.0" } };
  const lock = {
    name: "env-fail",
    version: "1.0.0",
    lockfileVersion: 3,
    requires: true,
    packages: {
      "": root,
      "node_modules/pb-pad": {
        version: "1.0.0",
        resolved: `http://${REGISTRY_HOST}/pb-pad/-/pb-pad-1.0.0.tgz`,
        integrity,
      },
    },
  };
  const dir = writeTree(temps, "patchbay-env-fail-", {
    "package.json": `${JSON.stringify({ ...root, private: true, scripts: { test: "node --test" } }, null, 2)}\n`,
    "package-lock.json": `${JSON.stringify(lock, null, 2)}\n`,
    ".npmrc": `registry=http://${REGISTRY_HOST}/\nfetch-retries=0\nfetch-timeout=15000\n`,
    ".gitignore": "node_modules/\n",
  });
  return commitAll(dir);
}

/** The job failed in setup, left nothing behind (runJob checks containers and doors), and is not stuck. */
async function expectSetupFailure(stack: Stack, job: FinishedJob, code: string): Promise<string> {
  expect(job.status, JSON.stringify(job)).toBe("failed");
  expect(job.error?.code).toBe(code);
  const listed = await api(stack, "GET", "/v1/jobs?limit=50");
  const jobs = (listed.body as { data: Array<{ id: string; status: string }> }).data;
  expect(jobs.filter((j) => !["succeeded", "failed", "cancelled", "timed_out", "error"].includes(j.status))).toEqual(
    [],
  );
  return job.error?.message ?? "";
}

describe("the worker has no egress bridge: setup runs without network and says why", () => {
  let stack: Stack;
  const missing = path.join("/nonexistent", `patchbay-bridge-${randomBytes(4).toString("hex")}`);

  beforeAll(async () => {
    stack = await startStack(SCRIPTS, { PATCHBAY_EGRESS_BRIDGE: missing, PATCHBAY_SANDBOX_POOL_SIZE: "0" });
  }, 180_000);
  afterAll(async () => stack?.close());

  it("npm ci fails as setup_failed naming the registry and PATCHBAY_EGRESS_BRIDGE", async () => {
    const url = lockedRepo();
    const { job } = await runJob(stack, {
      repo: { url },
      task: "Look around.",
      model: "script:noop",
      environment: { allow: [REGISTRY_HOST] },
    });
    const message = await expectSetupFailure(stack, job, "setup_failed");
    expect(message).toContain("npm ci");
    expect(message).toContain(REGISTRY_HOST);
    expect(message).toContain("without network");
    expect(message).toContain("PATCHBAY_EGRESS_BRIDGE");
    expect(message).toContain(missing);
  }, 420_000);
});

describe("the egress bridge cannot start in the sandbox", () => {
  let stack: Stack;
  let bridge: string;

  beforeAll(async () => {
    const dir = writeTree(temps, "patchbay-env-badbridge-", {
      "egress-bridge": "#!/bin/sh\necho 'egress-bridge: cannot listen on 127.0.0.1:3128' >&2\nexit 1\n",
    });
    bridge = path.join(dir, "egress-bridge");
    chmodSync(dir, 0o755);
    chmodSync(bridge, 0o755);
    stack = await startStack(SCRIPTS, { PATCHBAY_EGRESS_BRIDGE: bridge, PATCHBAY_SANDBOX_POOL_SIZE: "0" });
  }, 180_000);
  afterAll(async () => stack?.close());

  it("setup fails as environment_failed with the bridge's words, naming PATCHBAY_EGRESS_BRIDGE", async () => {
    const url = lockedRepo();
    const { job, events } = await runJob(stack, {
      repo: { url },
      task: "Look around.",
      model: "script:noop",
      environment: { allow: [REGISTRY_HOST] },
    });
    const message = await expectSetupFailure(stack, job, "environment_failed");
    expect(message).toContain("egress proxy could not be reached");
    expect(message).toContain("cannot listen on 127.0.0.1:3128");
    expect(message).toContain("PATCHBAY_EGRESS_BRIDGE");
    expect(message).toContain(bridge);
    // npm never ran.
    expect(events.some((e) => e.type === "network")).toBe(false);
  }, 420_000);
});

afterAll(() => {
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});
