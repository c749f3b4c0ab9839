import type { NewEvent } from "@patchbay/core";
import { afterEach, describe, expect, it } from "vitest";
import { runAgent } from "../run-agent.js";
import { FakeModel } from "../testing/fake-model.js";
import { functionCall, message } from "../testing/items.js";
import { tempRepo } from "../testing/temp-repo.js";
import { runUpdatePlan } from "./update-plan.js";

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((c) => c()));
});

const STEPS = [
  { step: "Read the cart code", status: "completed" },
  { step: "Fix the shipping rule", status: "in_progress" },
  { step: "Run the tests", status: "pending" },
];

describe("update_plan", () => {
  it("emits the plan as a plan event", () => {
    const events: NewEvent[] = [];
    const result = runUpdatePlan(JSON.stringify({ explanation: "found it", plan: STEPS }), {
      emit: (e) => events.push(e),
    });
    expect(result).toEqual({ output: "Plan updated: 1 of 3 steps completed.", ok: true });
    expect(events).toEqual([{ type: "plan", data: { explanation: "found it", steps: STEPS } }]);
  });

  it.each([
    ["not JSON", "{plan"],
    ["no steps", JSON.stringify({ plan: [] })],
    ["an unknown status", JSON.stringify({ plan: [{ step: "x", status: "doing" }] })],
    [
      "two steps in progress",
      JSON.stringify({
        plan: [
          { step: "a", status: "in_progress" },
          { step: "b", status: "in_progress" },
        ],
      }),
    ],
  ])("refuses %s without emitting", (_why, args) => {
    const events: NewEvent[] = [];
    const result = runUpdatePlan(args, { emit: (e) => events.push(e) });
    expect(result.ok).toBe(false);
    expect(result.output).toMatch(/^Could not run update_plan: .*Send \{"explanation"/);
    expect(events).toEqual([]);
  });

  it("is offered when the run asks for it, and a malformed call goes back to the model as a tool error", async () => {
    const repo = await tempRepo({ "app.txt": "hello\n" });
    cleanups.push(repo.cleanup);
    const events: NewEvent[] = [];
    const model = new FakeModel([
      [functionCall("p1", "update_plan", JSON.stringify({ plan: [{ step: "x", status: "doing" }] }))],
      [functionCall("p2", "update_plan", JSON.stringify({ plan: STEPS }))],
      [message("Done.")],
    ]);
    await runAgent({
      model: "gpt-test",
      client: { apiKey: "unused" },
      workspace: repo.workspace,
      task: "Do the thing.",
      limits: { maxTurns: 5 },
      emit: (e) => events.push(e),
      adapter: model,
      updatePlan: true,
    });
    expect(model.requests[0]?.functionTools.map((t) => t.name)).toEqual(["update_plan"]);
    expect(model.requests[0]?.instructions).toContain("`update_plan`");
    const firstOutput = model.requests[1]?.history.at(-1);
    expect(firstOutput).toMatchObject({ type: "function_call_output", call_id: "p1" });
    expect(JSON.stringify(firstOutput)).toContain("Could not run update_plan");
    expect(events.filter((e) => e.type === "plan").map((e) => e.data)).toEqual([{ steps: STEPS }]);
    const results = events.filter((e) => e.type === "tool_result").map((e) => e.type === "tool_result" && e.data.ok);
    expect(results).toEqual([false, true]);
  });

  it("is not offered by default", async () => {
    const repo = await tempRepo({ "app.txt": "hello\n" });
    cleanups.push(repo.cleanup);
    const model = new FakeModel([[message("Done.")]]);
    await runAgent({
      model: "gpt-test",
      client: { apiKey: "unused" },
      workspace: repo.workspace,
      task: "Do the thing.",
      limits: { maxTurns: 5 },
      emit: () => undefined,
      adapter: model,
    });
    expect(model.requests[0]?.functionTools).toEqual([]);
    expect(model.requests[0]?.instructions).not.toContain("update_plan");
  });
});
