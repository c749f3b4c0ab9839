import { execFileSync, spawnSync } from "node:child_process";
import type { JobEvent } from "@patchbay/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  containersFor,
  containersGone,
  exampleScript,
  fixtureRepo,
  type JobJson,
  type Stack,
  startStack,
  streamEvents,
  submit,
  waitTerminal,
} from "./stack.js";

// engine "codex": OpenAI's Codex CLI (the real binary from the npm registry) works in the job's
// sandbox against the scripted model, through the worker's model proxy; the rest of the pipeline
// (checks before and after, the patch, usage) is the same as with Patchbay's loop.

const KEY = "sk-test-key-never-in-sandbox"; // what startStack configures as OPENAI_API_KEY
const TASK = "The cart tests fail. Fix src/cart.js.";
const FIX = "+  const shipping = discounted >= FREE_SHIPPING_FROM ? 0 : SHIPPING;";

let stack: Stack;
const repo = fixtureRepo();

beforeAll(async () => {
  stack = await startStack({
    "fix-cart-bug-codex": await exampleScript("fix-cart-bug-codex"),
    // Holds Codex mid-run (a command that sleeps) so the test can look into the live container.
    "codex-hold": {
      turns: [
        {
          output: [
            { type: "function_call", name: "exec_command", arguments: { cmd: "sleep 8", yield_time_ms: 20000 } },
          ],
        },
        { output: [{ type: "message", content: "held" }] },
      ],
    },
    "codex-overloaded": { turns: [{ status: 503, failures: 100, output: [{ type: "message", content: "never" }] }] },
    "codex-slow": {
      turns: [
        {
          output: [
            { type: "function_call", name: "exec_command", arguments: { cmd: "sleep 60", yield_time_ms: 30000 } },
          ],
        },
        { output: [{ type: "message", content: "too late" }] },
      ],
    },
  });
}, 120_000);

afterAll(async () => {
  await stack?.close();
  repo.remove();
});

async function runJob(model: string, extra: Record<string, unknown> = {}): Promise<JobJson> {
  const spec = { repo: { url: repo.url }, task: TASK, model, engine: "codex", ...extra };
  const { status, job } = await submit(stack.api, spec);
  expect(status).toBe(202);
  return job;
}

function requestsFor(model: string) {
  return stack.model.requests.filter((r) => (r.body as { model?: string } | undefined)?.model === model);
}

describe("engine codex", () => {
  let fixed: JobJson;

  it("fixes the demo repository through the scripted model, with checks, patch and usage as with our loop", async () => {
    const submitted = await runJob("script:fix-cart-bug-codex");
    const job = await waitTerminal(stack.api, submitted.id, 240_000);
    expect(job.error).toBeNull();
    expect(job.status).toBe("succeeded");
    expect(job.result?.checks.before.some((c) => !c.passed)).toBe(true);
    expect(job.result?.checks.passed).toBe(true);
    expect(job.result?.summary).toContain("Fixed total() in src/cart.js");
    const patch = await (await fetch(`${stack.api}/v1/jobs/${job.id}/patch`)).text();
    expect(patch).toContain(FIX);
    // Only the fix: nothing Codex keeps for itself (its home, sessions) lands in the workspace.
    expect(job.result?.patchStats.files).toBe(1);

    // Every model call went through the proxy, which added the key and recorded the usage.
    const calls = requestsFor("script:fix-cart-bug-codex");
    expect(calls).toHaveLength(4);
    for (const call of calls) {
      expect(call.path).toBe("/v1/responses");
      expect(call.headers.authorization).toBe(`Bearer ${KEY}`);
      // Codex's own tools, not ours: this is the CLI speaking.
      expect(JSON.stringify((call.body as { tools?: unknown }).tools)).toContain('"exec_command"');
    }
    expect(job.result?.usage.turns).toBe(4);
    expect(job.result?.usage.inputTokens).toBeGreaterThan(0);

    const events = await streamEvents(stack.api, job.id);
    expect(events.filter((e) => e.type === "model")).toHaveLength(4);
    const calledTools = events.flatMap((e) => (e.type === "tool_call" ? [e.data] : []));
    expect(calledTools.some((c) => c.tool === "shell" && JSON.stringify(c.input).includes("npm test"))).toBe(true);
    expect(calledTools).toContainEqual(
      expect.objectContaining({ tool: "apply_patch", input: { changes: [{ path: "src/cart.js", kind: "update" }] } }),
    );
    const results = events.flatMap((e) => (e.type === "tool_result" ? [e.data] : []));
    expect(results.filter((r) => r.tool === "shell").at(-1)).toMatchObject({ ok: true, exitCode: 0 });
    await containersGone(job.id);
    fixed = job;
  }, 300_000);

  it("records a trajectory that replays through Codex to the same patch", async () => {
    const res = await fetch(`${stack.api}/v1/jobs/${fixed.id}/trajectory`);
    expect(res.status).toBe(200);
    const trajectory = (await res.json()) as { turns: unknown[] };
    expect(trajectory.turns).toHaveLength(4);
    const name = `codex-replay-${fixed.id}`;
    const posted = await fetch(`${stack.model.url}/scripts/${name}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(trajectory),
    });
    expect(posted.status).toBe(200);
    const replay = await waitTerminal(stack.api, (await runJob(`script:${name}`)).id, 240_000);
    expect(replay.status).toBe("succeeded");
    const patchOf = async (id: string) => (await fetch(`${stack.api}/v1/jobs/${id}/patch`)).text();
    expect(await patchOf(replay.id)).toBe(await patchOf(fixed.id));
  }, 300_000);

  it("keeps the API key out of the sandbox: not in the container's environment, its processes or its files", async () => {
    const submitted = await runJob("script:codex-hold");
    const container = await waitForCodexCommand(submitted.id);

    const inspected = JSON.parse(execFileSync("docker", ["inspect", container], { encoding: "utf8" })) as Array<{
      Config: { Env: string[] | null };
    }>;
    expect(inspected[0]?.Config.Env?.join("\n") ?? "").not.toContain(KEY);
    const environs = dockerExec(container, [
      "sh",
      "-c",
      'for f in /proc/[0-9]*/environ; do tr "\\0" "\\n" < "$f"; done',
    ]);
    expect(environs.stdout).toContain("CODEX_HOME="); // Codex's own process was read
    expect(environs.stdout).not.toContain(KEY);
    // Every file in the container, Codex's config and session files in its home included: as the
    // sandbox user and as root (without capabilities each reads what the other may not).
    for (const user of ["1000", "0"]) {
      const grep = dockerExec(
        container,
        ["grep", "-rl", "-D", "skip", "--exclude-dir=proc", "--exclude-dir=sys", KEY, "/"],
        user,
      );
      expect(grep.stdout).toBe("");
      expect(grep.stderr.split("\n").filter((l) => l !== "" && !l.endsWith("Permission denied"))).toEqual([]);
    }
    const config = dockerExec(container, ["cat", "/home/sandbox/.codex/config.toml"]);
    expect(config.stdout).toContain('base_url = "http://127.0.0.1:3129/v1"');

    const job = await waitTerminal(stack.api, submitted.id, 120_000);
    expect(job.status).toBe("succeeded");
    // The key was in use all along: on the worker's side of the socket.
    expect(requestsFor("script:codex-hold")[0]?.headers.authorization).toBe(`Bearer ${KEY}`);
    const events: JobEvent[] = await streamEvents(stack.api, job.id);
    expect(JSON.stringify(events)).not.toContain(KEY);
  }, 300_000);

  it("works in an environment that setup built (the Codex mounts beside setup's)", async () => {
    const submitted = await runJob("script:fix-cart-bug-codex", { setup: ["echo ready > .setup-done"] });
    const job = await waitTerminal(stack.api, submitted.id, 240_000);
    expect(job.error).toBeNull();
    expect(job.status).toBe("succeeded");
    expect(job.result?.checks.passed).toBe(true);
    expect(await (await fetch(`${stack.api}/v1/jobs/${job.id}/patch`)).text()).toContain(FIX);
  }, 300_000);

  it("stops Codex at maxTurns as our loop stops: budget_exceeded, the call past the limit never sent, the patch so far kept", async () => {
    const before = requestsFor("script:fix-cart-bug-codex").length;
    const submitted = await runJob("script:fix-cart-bug-codex", { limits: { maxTurns: 2 } });
    const job = await waitTerminal(stack.api, submitted.id, 240_000);
    expect(job.status).toBe("failed");
    expect(job.error?.code).toBe("budget_exceeded");
    expect(job.result?.usage.turns).toBe(2);
    expect(requestsFor("script:fix-cart-bug-codex").length - before).toBe(2);
    const patch = await (await fetch(`${stack.api}/v1/jobs/${job.id}/patch`)).text();
    expect(patch).toContain(FIX);
    expect(containersFor(job.id)).toEqual([]);
  }, 300_000);

  it("ends timed_out at the job's timeoutSec while Codex works, with the call it made counted", async () => {
    const submitted = await runJob("script:codex-slow", { limits: { timeoutSec: 15, maxTurns: 10 } });
    const job = await waitTerminal(stack.api, submitted.id, 120_000);
    expect(job.status).toBe("timed_out");
    expect(job.result?.usage.turns).toBe(1);
    expect(containersFor(job.id)).toEqual([]);
  }, 300_000);

  it("ends as model_unavailable when the endpoint keeps failing (Codex's retries through the proxy)", async () => {
    const submitted = await runJob("script:codex-overloaded");
    const job = await waitTerminal(stack.api, submitted.id, 240_000);
    expect(job.status).toBe("error");
    expect(job.error?.code).toBe("model_unavailable");
    expect(requestsFor("script:codex-overloaded").length).toBeGreaterThan(1);
  }, 300_000);

  it("is cancelled mid-command: the job ends cancelled and its container is removed", async () => {
    const submitted = await runJob("script:codex-hold");
    await waitForCodexCommand(submitted.id);
    const res = await fetch(`${stack.api}/v1/jobs/${submitted.id}/cancel`, { method: "POST" });
    expect(res.status).toBeLessThan(300);
    const job = await waitTerminal(stack.api, submitted.id, 60_000);
    expect(job.status).toBe("cancelled");
    expect(containersFor(job.id)).toEqual([]);
  }, 300_000);
});

/** The job's container once Codex runs the held command in it. */
async function waitForCodexCommand(jobId: string): Promise<string> {
  const end = Date.now() + 240_000;
  while (Date.now() < end) {
    for (const id of containersFor(jobId)) {
      if (dockerExec(id, ["pgrep", "-fx", "sleep 8"]).status === 0) return id;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`job ${jobId}: Codex never ran its command`);
}

function dockerExec(container: string, argv: string[], user = "1000") {
  const r = spawnSync("docker", ["exec", "-u", user, container, ...argv], {
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
