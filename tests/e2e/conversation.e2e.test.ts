import { execFile } from "node:child_process";
import path from "node:path";
import type { JobEvent } from "@patchbay/core";
import { JobEventRepository } from "@patchbay/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixtureRepo, type Stack, startStack, streamEvents, submit, waitTerminal } from "./stack.js";

// Longer tasks as a conversation. Steering: a message sent while the agent waits on a long
// command reaches the next model request and the event log, in order; a finished job refuses
// messages and points to follow-ups. Plan: update_plan calls become plan events and the job's
// `plan`, live while it runs.

const STEER = "Also keep the README in sync, please.";
const FIX = (status: string) => ({ step: "Fix the shipping rule", status });
const TEST = (status: string) => ({ step: "Run the cart tests", status });
const planCall = (args: unknown) => ({ type: "function_call", name: "update_plan", arguments: JSON.stringify(args) });
let stack: Stack;
const repo = fixtureRepo();

beforeAll(async () => {
  stack = await startStack({
    "slow-then-done": {
      turns: [
        // Long enough for the CLI's `say` to start and deliver on a loaded machine (with 4 s a CI
        // run once saw the command end first, and the message went to no model call in between).
        { output: [{ type: "shell_call", action: { commands: ["sleep 12; echo slept"] } }] },
        { output: [{ type: "message", content: "done as asked" }] },
      ],
    },
    planner: {
      turns: [
        { output: [planCall({ plan: [{ step: "Fix", status: "doing" }] })] },
        { output: [planCall({ explanation: "starting", plan: [FIX("in_progress"), TEST("pending")] })] },
        { output: [{ type: "shell_call", action: { commands: ["sleep 3"] } }] },
        { output: [planCall({ plan: [FIX("completed"), TEST("completed")] })] },
        { output: [{ type: "message", content: "planned and done" }] },
      ],
    },
  });
});

afterAll(async () => {
  await stack.close();
  repo.remove();
});

const CLI = path.resolve(import.meta.dirname, "../../apps/cli/bin/patchbay.mjs");

/** `patchbay say` as a person runs it, configured by PATCHBAY_URL and PATCHBAY_API_KEY. */
function cliSay(id: string, text: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const env = { ...process.env, PATCHBAY_URL: stack.api, PATCHBAY_API_KEY: stack.key };
    execFile("node", [CLI, "say", id, text, "--json"], { env }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === "number" ? err.code : 99) : 0, stdout, stderr });
    });
  });
}

async function say(id: string, text: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${stack.api}/v1/jobs/${id}/messages`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ text }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function waitForToolCall(events: JobEventRepository, id: string): Promise<void> {
  const end = Date.now() + 90_000;
  while ((await events.listOfType(id, "tool_call")).length === 0) {
    if (Date.now() > end) throw new Error(`job ${id} made no tool call`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The `input` of each recorded Responses request of the job's model. */
function requestInputs(): unknown[][] {
  return stack.model.requests
    .filter((r) => r.path === "/v1/responses" && (r.body as { model?: string }).model === "script:slow-then-done")
    .map((r) => (r.body as { input: unknown[] }).input);
}

describe("steering a running job", () => {
  it("delivers a message sent during a command to the next model call, recorded in order", async () => {
    const { job } = await submit(stack.api, {
      repo: { url: repo.url },
      task: "Tidy up.",
      model: "script:slow-then-done",
    });
    await waitForToolCall(new JobEventRepository(stack.db), job.id);
    const sent = await cliSay(job.id, STEER);
    expect(sent.code).toBe(0);
    const answer = JSON.parse(sent.stdout) as Record<string, unknown>;
    expect(answer).toMatchObject({ jobId: job.id, delivered: false });

    const done = await waitTerminal(stack.api, job.id, 120_000);
    expect(done.status).toBe("succeeded");
    const [first, second] = requestInputs();
    expect(JSON.stringify(first)).not.toContain(STEER);
    expect(second?.at(-1)).toMatchObject({ role: "user", content: STEER });

    const events = await streamEvents(stack.api, job.id);
    const seqOf = (match: (e: JobEvent) => boolean) => events.find(match)?.seq ?? -1;
    const received = seqOf((e) => e.type === "user_message" && !e.data.delivered);
    const delivered = seqOf((e) => e.type === "user_message" && e.data.delivered);
    const { messageId } = answer;
    expect(events.filter((e) => e.type === "user_message").map((e) => e.data)).toEqual([
      { messageId, text: STEER, delivered: false },
      { messageId, text: STEER, delivered: true },
    ]);
    expect(seqOf((e) => e.type === "tool_call")).toBeLessThan(received);
    expect(received).toBeLessThan(seqOf((e) => e.type === "tool_result"));
    expect(seqOf((e) => e.type === "tool_result")).toBeLessThan(delivered);
    expect(delivered).toBeLessThan(seqOf((e) => e.type === "model" && e.data.turn === 2));

    const late = await say(job.id, "one more thing");
    expect(late.status).toBe(409);
    expect(JSON.stringify(late.body)).toContain(`/v1/jobs/${job.id}/follow-ups`);
    const lateCli = await cliSay(job.id, "one more thing");
    expect(lateCli.code).toBe(3);
    expect(lateCli.stderr).toContain("409");
  }, 150_000);
});

describe("the agent's plan", () => {
  it("update_plan calls are plan events and the job's plan, live; a malformed one is a tool error", async () => {
    const { job } = await submit(stack.api, { repo: { url: repo.url }, task: "Plan it.", model: "script:planner" });
    const events = new JobEventRepository(stack.db);
    const end = Date.now() + 90_000;
    while ((await events.listOfType(job.id, "tool_call")).length < 3) {
      if (Date.now() > end) throw new Error("the planner made no shell call");
      await new Promise((r) => setTimeout(r, 100));
    }
    const live = (await (await fetch(`${stack.api}/v1/jobs/${job.id}`)).json()) as { status: string; plan: unknown };
    expect(live.status).toBe("running");
    expect(live.plan).toEqual({ explanation: "starting", steps: [FIX("in_progress"), TEST("pending")] });

    const done = await waitTerminal(stack.api, job.id, 120_000);
    expect(done.status).toBe("succeeded");
    const final = (await (await fetch(`${stack.api}/v1/jobs/${job.id}`)).json()) as { plan: unknown };
    expect(final.plan).toEqual({ steps: [FIX("completed"), TEST("completed")] });
    const all = await streamEvents(stack.api, job.id);
    expect(all.filter((e) => e.type === "plan")).toHaveLength(2);
    const results = all.filter((e) => e.type === "tool_result" && e.data.tool === "update_plan");
    expect(results.map((e) => e.type === "tool_result" && e.data.ok)).toEqual([false, true, true]);
    const [, second] = stack.model.requests
      .filter((r) => r.path === "/v1/responses" && (r.body as { model?: string }).model === "script:planner")
      .map((r) => r.body as { input: unknown[]; tools: unknown[] });
    expect(JSON.stringify(second?.tools)).toContain("update_plan");
    expect(JSON.stringify(second?.input.at(-1))).toContain("Could not run update_plan");
  }, 150_000);
});
