import { rmSync } from "node:fs";
import { type ModelScript, type NpmRegistry, startNpmRegistry } from "@patchbay/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lockedNpmRepo, networkEvents, runJob, say } from "./env-helpers.js";
import { type Stack, startStack } from "./stack.js";

/** The registry's name inside sandboxes; the worker's proxy maps it to the loopback Verdaccio. */
const REGISTRY_HOST = "registry.test";
const temps: string[] = [];
const SCRIPTS: Record<string, ModelScript> = { noop: { turns: [{ output: [say("Nothing to do.")] }] } };

let stack: Stack;
let registry: NpmRegistry;

beforeAll(async () => {
  const files = { "index.js": `exports.padStart = (s, n) => String(s).padStart(n, "0");\n` };
  registry = await startNpmRegistry({ packages: [{ name: "pb-pad", version: "1.0.0", files }] });
  // Without the runner a sandbox has no folders to lend: the door and the cache are mounts.
  stack = await startStack(SCRIPTS, {
    PATCHBAY_EGRESS_HOST_MAP: JSON.stringify({ [REGISTRY_HOST]: `127.0.0.1:${registry.port}` }),
    PATCHBAY_SANDBOX_RUNNER: "off",
  });
}, 180_000);

afterAll(async () => {
  await stack?.close();
  await registry?.close();
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});

describe("environments with the sandbox runner off (door and dependency cache mounted into a cold sandbox)", () => {
  it("setup installs through the proxy, and the project's next miss finds the dependency cache", async () => {
    const spec = (url: string) => ({
      repo: { url },
      task: "Look around.",
      model: "script:noop",
      environment: { allow: [REGISTRY_HOST] },
    });
    const first = await runJob(stack, spec(lockedNpmRepo(temps, registry, REGISTRY_HOST, { "pb-pad": "1.0.0" }).url));
    expect(first.job.status, JSON.stringify(first.job.error)).toBe("succeeded");
    expect(first.job.result?.environment).toMatchObject({ status: "built" });
    expect(first.job.result?.checks.before[0]?.passed).toBe(false);
    expect(networkEvents(first.events).map((n) => n.status)).toContain(200);

    const next = await runJob(stack, spec(lockedNpmRepo(temps, registry, REGISTRY_HOST, { "pb-pad": "1.0.0" }).url));
    expect(next.job.result?.environment).toMatchObject({ status: "built" });
    // npm revalidated what the project's cache held (a 304 has no body).
    expect(networkEvents(next.events).map((n) => n.status)).toContain(304);
  }, 600_000);
});
