import { type NewEvent, PatchbayError } from "@patchbay/core";
import type { ResponseInputItem } from "openai/resources/responses/responses";
import { afterEach, describe, expect, it } from "vitest";
import { runAgent } from "./run-agent.js";
import { FakeModel } from "./testing/fake-model.js";
import { functionCall, message, patchCall, reasoning, shellCall } from "./testing/items.js";
import { tempRepo } from "./testing/temp-repo.js";
import type { AgentRunOptions, ModelAdapter } from "./types.js";

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((c) => c()));
});

async function setup(files: Record<string, string> = { "app.txt": "hello\n" }) {
  const repo = await tempRepo(files);
  cleanups.push(repo.cleanup);
  const events: NewEvent[] = [];
  const base = (model: FakeModel, overrides: Partial<AgentRunOptions> = {}): AgentRunOptions => ({
    model: "gpt-test",
    client: { apiKey: "unused" },
    workspace: repo.workspace,
    task: "Do the thing.",
    limits: { maxTurns: 10 },
    emit: (e) => events.push(e),
    adapter: model,
    ...overrides,
  });
  return { workspace: repo.workspace, events, base };
}

async function rejection(promise: Promise<unknown>): Promise<PatchbayError> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(PatchbayError);
  return err as PatchbayError;
}

function itemOf(history: ResponseInputItem[], type: string): ResponseInputItem | undefined {
  return history.find((item) => "type" in item && item.type === type);
}

describe("runAgent", () => {
  it("runs tools, feeds their outputs back and returns the last message", async () => {
    const { workspace, events, base } = await setup();
    const model = new FakeModel([
      [reasoning("enc-1"), shellCall("c1", ["cat app.txt", "echo oops >&2; exit 3"])],
      [patchCall("c2", { type: "update_file", path: "app.txt", diff: "@@\n-hello\n+hello, world\n" })],
      [message("Changed the greeting.")],
    ]);
    const outcome = await runAgent(base(model));

    expect(outcome).toEqual({
      summary: "Changed the greeting.",
      usage: { inputTokens: 300, cachedInputTokens: 120, outputTokens: 60, reasoningTokens: 15 },
      turns: 3,
      stopReason: "completed",
      estimatedCostUsd: null,
    });
    expect((await workspace.readFile("app.txt"))?.toString()).toBe("hello, world\n");

    const second = model.requests[1]?.history ?? [];
    expect(second[0]).toEqual({ role: "user", content: "Do the thing." });
    expect(itemOf(second, "reasoning")).toMatchObject({ encrypted_content: "enc-1" });
    expect(itemOf(second, "shell_call_output")).toEqual({
      type: "shell_call_output",
      call_id: "c1",
      max_output_length: null,
      output: [
        { stdout: "hello\n", stderr: "", outcome: { type: "exit", exit_code: 0 } },
        { stdout: "", stderr: "oops\n", outcome: { type: "exit", exit_code: 3 } },
      ],
    });
    const third = model.requests[2]?.history ?? [];
    expect(itemOf(third, "apply_patch_call_output")).toEqual({
      type: "apply_patch_call_output",
      call_id: "c2",
      status: "completed",
      output: "Success. Updated the following files:\nM app.txt\n",
    });

    const kinds = events.filter((e) => e.type !== "log").map((e) => e.type);
    expect(kinds).toEqual(["model", "tool_call", "tool_result", "model", "tool_call", "tool_result", "model"]);
    expect(events[0]).toEqual({
      type: "model",
      data: {
        turn: 1,
        model: "gpt-test",
        usage: { inputTokens: 100, cachedInputTokens: 40, outputTokens: 20, reasoningTokens: 5 },
        itemTypes: ["reasoning", "shell_call"],
        output: model.turnOutput(0),
      },
    });
    const shellResult = events.find((e) => e.type === "tool_result");
    expect(shellResult?.data).toMatchObject({ callId: "c1", tool: "shell", ok: false, exitCode: 3 });
    const logs = events.filter((e) => e.type === "log").map((e) => e.data);
    expect(logs).toContainEqual({ stream: "stdout", text: "hello\n", phase: "agent", source: "shell" });
    expect(logs).toContainEqual({ stream: "stderr", text: "oops\n", phase: "agent", source: "shell" });
  });

  it("puts the repository's AGENTS.md into the instructions", async () => {
    const { base } = await setup({ "AGENTS.md": "Always run `make test`.\n" });
    const model = new FakeModel([[message("nothing to do")]]);
    await runAgent(base(model));
    const instructions = model.requests[0]?.instructions ?? "";
    expect(instructions).toContain("apply_patch");
    expect(instructions).toContain("Always run `make test`.");
  });

  it("reports a failing patch to the model and carries on", async () => {
    const { base, events } = await setup();
    const model = new FakeModel([
      [patchCall("p1", { type: "update_file", path: "app.txt", diff: "@@\n-goodbye\n+hi\n" })],
      [message("gave up")],
    ]);
    await runAgent(base(model));
    const output = itemOf(model.requests[1]?.history ?? [], "apply_patch_call_output");
    expect(output).toMatchObject({ status: "failed" });
    expect(JSON.stringify(output)).toContain("Failed to find the expected lines in app.txt");
    expect(events.find((e) => e.type === "tool_result")?.data).toMatchObject({ tool: "apply_patch", ok: false });
  });

  it("answers calls of unknown tools with an error output", async () => {
    const { base } = await setup();
    const model = new FakeModel([[functionCall("f1", "run_checks", "{}")], [message("ok")]]);
    await runAgent(base(model));
    expect(itemOf(model.requests[1]?.history ?? [], "function_call_output")).toEqual({
      type: "function_call_output",
      call_id: "f1",
      output: "Tool 'run_checks' does not exist. Available tools: shell, apply_patch.",
    });
  });

  it("reports a command timeout as a timeout outcome", async () => {
    const { base } = await setup();
    const model = new FakeModel([[shellCall("s1", ["sleep 5", "echo never"], 200)], [message("done")]]);
    await runAgent(base(model));
    const output = itemOf(model.requests[1]?.history ?? [], "shell_call_output");
    expect(output).toMatchObject({ output: [{ outcome: { type: "timeout" } }] });
  });

  it("truncates long command output, keeping head and tail", async () => {
    const { base, events } = await setup();
    const model = new FakeModel([[shellCall("s1", ["seq 1 20000"])], [message("done")]]);
    await runAgent(base(model));
    const output = itemOf(model.requests[1]?.history ?? [], "shell_call_output");
    const stdout = output?.type === "shell_call_output" ? (output.output[0]?.stdout ?? "") : "";
    expect(stdout.length).toBeLessThanOrEqual(16 * 1024);
    expect(stdout.startsWith("1\n2\n3\n")).toBe(true);
    expect(stdout.endsWith("19999\n20000\n")).toBe(true);
    expect(stdout).toMatch(/characters truncated/);
    const result = events.find((e) => e.type === "tool_result");
    expect(result?.type === "tool_result" && result.data.output.length).toBeLessThanOrEqual(16 * 1024);
  });

  it("throws budget_exceeded when maxTurns is reached, after running the last turn's tools", async () => {
    const { base, workspace } = await setup();
    const model = new FakeModel([
      [shellCall("s1", ["echo one > one.txt"])],
      [shellCall("s2", ["echo two > two.txt"])],
      [message("unreachable")],
    ]);
    const err = await rejection(runAgent(base(model, { limits: { maxTurns: 2 } })));
    expect(err.code).toBe("budget_exceeded");
    expect(err.details).toMatchObject({ limit: "maxTurns", turns: 2 });
    expect(model.requests).toHaveLength(2);
    expect(await workspace.readFile("two.txt")).not.toBeNull();
  });

  it("throws budget_exceeded when maxTokens is used up", async () => {
    const { base } = await setup();
    const model = new FakeModel([[shellCall("s1", ["true"])], [message("unreachable")]]);
    const err = await rejection(runAgent(base(model, { limits: { maxTurns: 10, maxTokens: 100 } })));
    expect(err.details).toMatchObject({ limit: "maxTokens", usage: { inputTokens: 100, outputTokens: 20 } });
  });

  it("throws budget_exceeded when the deadline has passed", async () => {
    const { base } = await setup();
    const model = new FakeModel([[message("unreachable")]]);
    const err = await rejection(runAgent(base(model, { limits: { maxTurns: 10, deadline: Date.now() - 1 } })));
    expect(err.details).toMatchObject({ limit: "deadline" });
    expect(model.requests).toHaveLength(0);
  });

  it("throws cancelled when the signal aborts during a command", async () => {
    const { base } = await setup();
    const controller = new AbortController();
    const model = new FakeModel([[shellCall("s1", ["sleep 10"])], [message("unreachable")]]);
    setTimeout(() => controller.abort(), 200);
    const started = Date.now();
    const err = await rejection(runAgent(base(model, { signal: controller.signal })));
    expect(err.code).toBe("cancelled");
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it("stops a model call at the deadline and throws budget_exceeded", async () => {
    const { base } = await setup();
    const hanging: ModelAdapter = { nextTurn: ({ signal }) => untilAborted(signal) };
    const started = Date.now();
    const err = await rejection(runAgent(base(new FakeModel([]), { adapter: hanging, limits: deadlineIn(300) })));
    expect(err.details).toMatchObject({ limit: "deadline" });
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it("cuts a command short at the deadline and starts none after it", async () => {
    const { base, events } = await setup();
    const model = new FakeModel([[shellCall("s1", ["sleep 10"]), shellCall("s2", ["echo late"])]]);
    const started = Date.now();
    const err = await rejection(runAgent(base(model, { limits: deadlineIn(500) })));
    expect(err.details).toMatchObject({ limit: "deadline" });
    expect(Date.now() - started).toBeLessThan(5000);
    const results = events.flatMap((e) => (e.type === "tool_result" ? [e.data] : []));
    expect(results.map((r) => [r.callId, r.ok])).toEqual([
      ["s1", false],
      ["s2", false],
    ]);
    expect(results[1]?.output).toContain("deadline passed");
  });

  it("throws cancelled when the signal aborts during a model call", async () => {
    const { base } = await setup();
    const controller = new AbortController();
    const hanging: ModelAdapter = { nextTurn: ({ signal }) => untilAborted(signal) };
    setTimeout(() => controller.abort(), 100);
    const err = await rejection(runAgent(base(new FakeModel([]), { adapter: hanging, signal: controller.signal })));
    expect(err.code).toBe("cancelled");
  });

  it("logs an incomplete response and still ends when no tool was called", async () => {
    const { base, events } = await setup();
    const usage = { inputTokens: 1, cachedInputTokens: 0, outputTokens: 1, reasoningTokens: 0 };
    const model = new FakeModel([{ output: [reasoning("x")], usage, incompleteReason: "max_output_tokens" }]);
    const outcome = await runAgent(base(model));
    expect(outcome.summary).toBeNull();
    expect(events).toContainEqual({
      type: "log",
      data: {
        stream: "stderr",
        text: "model response 1 is incomplete: max_output_tokens\n",
        phase: "agent",
        source: "model",
      },
    });
  });
});

function deadlineIn(ms: number): AgentRunOptions["limits"] {
  return { maxTurns: 10, deadline: Date.now() + ms };
}

/** What the SDK does with a request whose signal aborts: rejects once it does. */
function untilAborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    signal.addEventListener("abort", () => reject(new Error("Request was aborted.")), { once: true });
  });
}
