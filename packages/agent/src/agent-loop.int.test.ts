import type { NewEvent, PatchbayError } from "@patchbay/core";
import { type ModelScript, type ScriptedModelServer, startScriptedModelServer } from "@patchbay/testkit";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { runAgent } from "./run-agent.js";
import { tempRepo } from "./testing/temp-repo.js";
import type { AgentRunOptions, ModelApi } from "./types.js";

// Limits, the loop guard, run_checks, nested AGENTS.md and the stable request prefix, against
// the scripted model server over HTTP for both protocols.

const USAGE = { input_tokens: 1000, input_tokens_details: { cached_tokens: 0 }, output_tokens: 100 };
const shell = (n: number, command = `echo ${n}`) => ({
  output: [{ type: "shell_call", call_id: `call_${n}`, action: { commands: [command] } }],
  usage: USAGE,
});

const SCRIPTS: Record<string, ModelScript> = {
  "fix-greeting": {
    turns: [
      { output: [{ type: "reasoning", summary: [{ text: "Look first." }] }, shell(1, "cat greeting.txt").output[0]!] },
      {
        output: [
          {
            type: "apply_patch_call",
            operation: { type: "update_file", path: "greeting.txt", diff: "@@\n-Hello, wrold!\n+Hello, world!\n" },
          },
        ],
      },
      { output: [{ type: "message", content: "Fixed the typo." }] },
    ],
  },
  spender: { turns: [1, 2, 3, 4, 5, 6].map((n) => shell(n)) },
  repeater: { turns: [1, 2, 3, 4, 5, 6].map(() => ({ output: shell(0, "echo same").output })) },
  checker: {
    turns: [
      { output: [{ type: "function_call", name: "run_checks", arguments: {} }] },
      { output: [{ type: "message", content: "checked" }] },
    ],
  },
  nested: {
    turns: [
      {
        output: [
          { type: "apply_patch_call", operation: { type: "create_file", path: "pkg/lib/new.txt", diff: "+x\n" } },
        ],
      },
      {
        output: [{ type: "apply_patch_call", operation: { type: "create_file", path: "pkg/other.txt", diff: "+y\n" } }],
      },
      { output: [{ type: "message", content: "ok" }] },
    ],
  },
};

let server: ScriptedModelServer;
const cleanups: Array<() => Promise<void>> = [];
beforeAll(async () => {
  server = await startScriptedModelServer({ scripts: SCRIPTS });
});
afterAll(() => server.close());
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((c) => c()));
});

const FILES = {
  "greeting.txt": "Hello, wrold!\n",
  "AGENTS.md": "Root rule: be brief.\n",
  "pkg/AGENTS.md": "Pkg rule: tabs.\n",
  "pkg/lib/AGENTS.md": "Lib rule: no globals.\n",
};

async function run(model: string, api: ModelApi, overrides: Partial<AgentRunOptions> = {}) {
  const repo = await tempRepo(FILES);
  cleanups.push(repo.cleanup);
  const events: NewEvent[] = [];
  const startedAt = server.requests.length;
  const options: AgentRunOptions = {
    model,
    api,
    client: { baseURL: server.url, apiKey: "sk-test", maxRetries: 0 },
    workspace: repo.workspace,
    task: "Do it.",
    limits: { maxTurns: 20 },
    emit: (e) => events.push(e),
    ...overrides,
  };
  const result = await runAgent(options).then(
    (outcome) => ({ outcome, error: null }),
    (error: unknown) => ({ outcome: null, error: error as PatchbayError }),
  );
  const bodies = server.requests
    .slice(startedAt)
    .filter((r) => r.method === "POST")
    .map((r) => r.body as Record<string, unknown>);
  return { ...result, events, bodies, workspace: repo.workspace };
}

/** What a request sends as the conversation: Responses `input` or chat `messages`. */
function conversation(body: Record<string, unknown> | undefined): unknown[] {
  return (body?.input ?? body?.messages) as unknown[];
}

const PRICES = { "script:": { input: 1, cachedInput: 0.1, output: 10 } };

describe.each(["responses", "chat"] as const)("the agent loop over %s", (api) => {
  it("completes a fix, and each request begins with the previous request's conversation", async () => {
    const { outcome, bodies, workspace, events } = await run("script:fix-greeting", api);
    expect(outcome?.summary).toBe("Fixed the typo.");
    expect((await workspace.readFile("greeting.txt"))?.toString()).toBe("Hello, world!\n");
    expect(bodies).toHaveLength(3);
    for (let k = 1; k < bodies.length; k++) {
      const previous = conversation(bodies[k - 1]);
      expect(conversation(bodies[k]).slice(0, previous.length)).toEqual(previous);
      expect(conversation(bodies[k]).length).toBeGreaterThan(previous.length);
    }
    // Streamed: the model's calls show up as log events before the turn's model event.
    const firstModel = events.findIndex((e) => e.type === "model");
    const progress = events.findIndex((e) => e.type === "log" && e.data.source === "model");
    expect(progress).toBeGreaterThanOrEqual(0);
    expect(progress).toBeLessThan(firstModel);
    const model = events.find((e) => e.type === "model");
    expect(model?.type === "model" && model.data.output?.length).toBeGreaterThan(0);
  });

  it("stops at the turn where maxCostUsd is reached, with the cost in the details", async () => {
    // 1000 input + 100 output tokens at $1 / $10 per 1M = $0.002 a turn: $0.005 is used up after 3.
    const limits = { maxTurns: 20, maxCostUsd: 0.005 };
    const { error, bodies, events } = await run("script:spender", api, { limits, prices: PRICES });
    expect(error?.code).toBe("budget_exceeded");
    expect(error?.details).toMatchObject({ limit: "maxCostUsd", turns: 3, estimatedCostUsd: 0.006 });
    expect(bodies).toHaveLength(3);
    const costs = events.flatMap((e) => (e.type === "model" ? [e.data.costUsd] : []));
    expect(costs).toEqual([0.002, 0.004, 0.006]);
  });

  it("stops at the turn where maxTokens is reached", async () => {
    const { error, bodies } = await run("script:spender", api, { limits: { maxTurns: 20, maxTokens: 2500 } });
    expect(error?.details).toMatchObject({ limit: "maxTokens", turns: 3 });
    expect(bodies).toHaveLength(3);
  });

  it("warns once about a repeated call and then stops with agent_loop", async () => {
    const { error, bodies } = await run("script:repeater", api);
    expect(error?.code).toBe("agent_loop");
    expect(error?.details).toMatchObject({ turns: 4 });
    expect(bodies).toHaveLength(4);
    const warned = (i: number) =>
      JSON.stringify(conversation(bodies[i])).includes("same tool call with the same result");
    expect([0, 1, 2, 3].map(warned)).toEqual([false, false, false, true]);
  });

  it("offers run_checks only when the run has checks, and returns their result", async () => {
    const runChecks = async () => JSON.stringify({ passed: true, runs: [{ kind: "test", passed: true }] });
    const { outcome, bodies, events } = await run("script:checker", api, { runChecks });
    expect(outcome?.summary).toBe("checked");
    expect(JSON.stringify(bodies[0]?.tools)).toContain("run_checks");
    expect(events.find((e) => e.type === "tool_result")?.data).toMatchObject({ tool: "run_checks", ok: true });
    expect(JSON.stringify(conversation(bodies[1]))).toContain('\\"passed\\":true');

    const without = await run("script:checker", api);
    expect(JSON.stringify(without.bodies[0]?.tools)).not.toContain("run_checks");
    expect(without.events.find((e) => e.type === "tool_result")?.data).toMatchObject({ ok: false });
  });

  it("shows nested AGENTS.md files with the first change under their folder, root ones in the instructions", async () => {
    const { bodies } = await run("script:nested", api);
    const first = JSON.stringify(bodies[0]);
    expect(first).toContain("Root rule: be brief.");
    expect(first).not.toContain("Pkg rule");
    const second = JSON.stringify(conversation(bodies[1]).slice(conversation(bodies[0]).length));
    expect(second).toContain("Pkg rule: tabs.");
    expect(second).toContain("Lib rule: no globals.");
    expect(second.indexOf("Pkg rule")).toBeLessThan(second.indexOf("Lib rule"));
    const third = JSON.stringify(conversation(bodies[2]).slice(conversation(bodies[1]).length));
    expect(third).not.toContain("rule:");
  });
});

describe("maxCostUsd without a price", () => {
  it("refuses to start rather than run without a cost limit", async () => {
    const { error, bodies } = await run("script:spender", "responses", { limits: { maxTurns: 5, maxCostUsd: 1 } });
    expect(error?.code).toBe("invalid_request");
    expect(error?.message).toContain("PATCHBAY_MODEL_PRICES");
    expect(bodies).toHaveLength(0);
  });
});
