import { execFileSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { rmSync } from "node:fs";
import type { JobEvent, JobResult } from "@patchbay/core";
import { ProjectRepository } from "@patchbay/db";
import { type ModelScript, type NpmRegistry, startNpmRegistry } from "@patchbay/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lockedNpmRepo, logText, networkEvents } from "./env-helpers.js";
import {
  containersGone,
  createKey,
  removeProject,
  removeProjectEnvironments,
  type Stack,
  startStack,
  streamEvents,
  submit,
  waitTerminal,
} from "./stack.js";

/** The registry's name inside sandboxes; the worker's proxy maps it to the loopback Verdaccio. */
const REGISTRY_HOST = "registry.test";
const temps: string[] = [];
const WORKER_ID = `env-e2e-${randomUUID().slice(0, 8)}`;

/** Idle sandboxes of this test's worker (its pool is off: each holds a kept environment, restored). */
const hotSandboxes = () =>
  execFileSync(
    "docker",
    ["ps", "-q", "--filter", "label=patchbay.pool", "--filter", `label=patchbay.worker=${WORKER_ID}`],
    {
      encoding: "utf8",
    },
  )
    .split("\n")
    .filter(Boolean);

const say = (text: string) => ({ type: "message", role: "assistant", content: [{ type: "output_text", text }] });
const shell = (...commands: string[]) => ({ type: "shell_call", action: { commands } });

const PROBE = [
  `python3 -c "import socket; print('localhost ->', socket.gethostbyname('localhost'))"`,
  "ls /run/patchbay/egress 2>&1 || true",
  // With the proxy settings forced on, nothing answers: no bridge, no socket, no network.
  `python3 -c "import urllib.request as u; u.build_opener(u.ProxyHandler({'http':'http://127.0.0.1:3128'})).open('http://${REGISTRY_HOST}/', timeout=5)" 2>&1 | tail -1`,
  `python3 -c "import socket; s=socket.socket(socket.AF_UNIX); s.connect('/run/patchbay/egress/proxy.sock')" 2>&1 | tail -1`,
  // Setup's door was in the setup sandbox's own folder: the agent's sandbox has none in its own.
  `python3 -c "import socket; s=socket.socket(socket.AF_UNIX); s.connect('/run/patchbay/runner/proxy.sock')" 2>&1 | tail -1 | sed 's/^/runner door: /'`,
];

const SCRIPTS: Record<string, ModelScript> = {
  // Fixes the bug, and probes the network from the agent phase.
  "fix-pad": {
    turns: [
      { output: [shell(...PROBE)] },
      { output: [shell("sed -i 's/padStart(s, 2)/padStart(s, 3)/' src/code.js")] },
      { output: [say("Fixed the width.")] },
    ],
  },
  noop: { turns: [{ output: [say("Nothing to do.")] }] },
};

let stack: Stack;
let registry: NpmRegistry;

/** A project depending on the registry's packages (lockfile from a real npm install). */
const projectRepo = (deps: Record<string, string>) => lockedNpmRepo(temps, registry, REGISTRY_HOST, deps);

const pad = (version: string) => ({
  name: "pb-pad",
  version,
  files: { "index.js": `exports.padStart = (s, n) => String(s).padStart(n, "0");\n` },
});

beforeAll(async () => {
  registry = await startNpmRegistry({ packages: [pad("1.0.0"), pad("1.1.0")] });
  stack = await startStack(SCRIPTS, {
    PATCHBAY_EGRESS_HOST_MAP: JSON.stringify({ [REGISTRY_HOST]: `127.0.0.1:${registry.port}` }),
    PATCHBAY_SANDBOX_POOL_SIZE: "0",
    // Named, so that the idle sandboxes this worker keeps environments restored in can be told apart.
    PATCHBAY_WORKER_ID: WORKER_ID,
  });
}, 180_000);

afterAll(async () => {
  await stack?.close();
  await registry?.close();
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});

/** A job to its end; with `key`, another project's. */
async function run(
  spec: Record<string, unknown>,
  key?: string,
): Promise<{ job: JobJsonWithResult; events: JobEvent[] }> {
  const { status, job } = await submit(stack.api, spec, key);
  expect(status).toBe(202);
  const done = (await waitTerminal(stack.api, job.id, 400_000, key)) as JobJsonWithResult;
  await containersGone(job.id);
  return { job: done, events: await streamEvents(stack.api, job.id, key) };
}

type JobJsonWithResult = Awaited<ReturnType<typeof waitTerminal>> & { result: JobResult | null };

/** The statuses of a job's proxied requests. */
const statuses = (events: JobEvent[]) => networkEvents(events).map((n) => n.status);

/** A job that only looks around in `url`, its setup allowed to reach the registry. */
const lookAround = (url: string) => ({
  repo: { url },
  task: "Look around.",
  model: "script:noop",
  environment: { allow: [REGISTRY_HOST] },
});

describe("environments: setup through the allowlisting proxy, cached", () => {
  let repo: { url: string; dir: string };

  it("installs a locked dependency through the proxy; the agent reaches nothing; the after-checks pass in a sandbox the agent never ran in", async () => {
    repo = projectRepo({ "pb-pad": "1.0.0" });
    const { job, events } = await run({
      repo: { url: repo.url },
      task: "Make ids three wide.",
      model: "script:fix-pad",
      environment: { allow: [REGISTRY_HOST] },
    });
    expect(job.status, JSON.stringify(job.error)).toBe("succeeded");
    const result = job.result!;
    expect(result.setup?.commands).toEqual(["npm ci"]);
    expect(result.environment).toMatchObject({ status: "built" });
    expect(result.checks.before[0]?.passed).toBe(false);
    expect(result.checks.after[0]?.passed).toBe(true);
    // Either clean sandbox: the baseline's when it was done before the agent, else a fresh one beside it.
    expect(["baseline_sandbox", "fresh_sandbox"]).toContain(result.afterChecksIn);
    const network = events
      .filter((e) => e.type === "network")
      .map((e) => e.data as { host: string; allowed: boolean; phase: string });
    expect(network.length).toBeGreaterThan(0);
    expect(network.every((n) => n.host === REGISTRY_HOST && n.allowed && n.phase === "setup")).toBe(true);
    expect(result.network).toMatchObject({ denied: 0 });
    // The agent's probe: localhost resolves, and no way out exists.
    const probe = events.find((e) => e.type === "tool_result");
    const output = probe?.type === "tool_result" ? probe.data.output : "";
    expect(output).toContain("localhost -> 127.0.0.1");
    expect(output).toMatch(/No such file or directory/);
    expect(output).toMatch(/Connection refused|URLError/);
    expect(output).not.toMatch(/HTTP Error|200 OK/);
    expect(output).toMatch(/runner door: .*(No such file or directory|Connection refused)/);
  }, 420_000);

  it("a second job with the same lockfile is a cache hit and runs no setup command", async () => {
    const { job, events } = await run(lookAround(repo.url));
    expect(job.status, JSON.stringify(job.error)).toBe("succeeded");
    expect(job.result?.environment).toMatchObject({ status: "hit" });
    expect(events.some((e) => e.type === "network")).toBe(false);
    expect(logText(events)).not.toMatch(/added \d+ package/);
    // The dependency is there: the baseline ran the tests (and failed on the bug, not on a missing module).
    expect(logText(events)).not.toMatch(/Cannot find module 'pb-pad'/);
    expect(job.result?.checks.before[0]?.passed).toBe(false);
  }, 420_000);

  it("a hit while its environment is kept restored takes that sandbox and only copies the checkout in", async () => {
    for (let i = 0; i < 600 && hotSandboxes().length === 0; i++) await new Promise((r) => setTimeout(r, 100));
    expect(hotSandboxes()).toHaveLength(1);
    const { job, events } = await run(lookAround(repo.url));
    expect(job.status, JSON.stringify(job.error)).toBe("succeeded");
    const env = events.find((e) => e.type === "environment")?.data as { status: string; steps: Record<string, number> };
    expect(env.status).toBe("hit");
    expect(env.steps.hot_sandbox).toBeDefined();
    // The dependency is there and the checkout is the job's: the baseline fails on the bug itself.
    expect(logText(events)).not.toMatch(/Cannot find module 'pb-pad'/);
    expect(job.result?.checks.before[0]?.passed).toBe(false);
  }, 420_000);

  it("a changed lockfile is a miss; a host outside the allowlist fails setup as environment_failed naming it", async () => {
    const changed = projectRepo({ "pb-pad": "1.1.0" });
    const miss = await run(lookAround(changed.url));
    expect(miss.job.result?.environment).toMatchObject({ status: "built" });
    expect(miss.job.result?.environment?.key).not.toBe(undefined);

    const denied = await run({ repo: { url: changed.url }, task: "Look around.", model: "script:noop" });
    expect(denied.job.status).toBe("failed");
    expect(denied.job.error?.code).toBe("environment_failed");
    expect(denied.job.error?.message).toContain(REGISTRY_HOST);
    expect(denied.job.error?.message).toContain("spec.environment.allow");
    const refused = denied.events.filter((e) => e.type === "network" && !(e.data as { allowed: boolean }).allowed);
    expect(refused.length).toBeGreaterThan(0);
  }, 600_000);

  it("a project's next miss installs from its dependency cache; another project's setup starts without it", async () => {
    // A new repository with the first test's lockfile: another key, so a miss, in the same project.
    const again = projectRepo({ "pb-pad": "1.0.0" });
    const spec = lookAround(again.url);
    const cached = await run(spec);
    expect(cached.job.result?.environment).toMatchObject({ status: "built" });
    expect(logText(cached.events)).toMatch(/added 1 package/);
    // npm had the project's cache: it only revalidated what it holds (a 304 carries no body).
    expect(statuses(cached.events)).toContain(304);

    const other = `e2e-${randomUUID().slice(0, 8)}`;
    await new ProjectRepository(stack.db).ensure(other);
    try {
      const key = await createKey(stack.db, other, ["admin"]);
      const fresh = await run(spec, key);
      expect(fresh.job.result?.environment).toMatchObject({ status: "built" });
      expect(statuses(fresh.events)).toContain(200);
      expect(statuses(fresh.events)).not.toContain(304);
    } finally {
      await removeProject(stack.db, other);
      removeProjectEnvironments(other);
    }
  }, 600_000);
});
