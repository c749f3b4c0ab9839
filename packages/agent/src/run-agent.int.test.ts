import type { AddressInfo } from "node:net";
import { createServer } from "node:net";
import { type NewEvent, PatchbayError } from "@patchbay/core";
import { type ScriptedModelServer, startScriptedModelServer } from "@patchbay/testkit";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { runAgent } from "./run-agent.js";
import { tempRepo } from "./testing/temp-repo.js";
import type { AgentRunOptions } from "./types.js";

// The agent against the scripted OpenAI-compatible server over real HTTP, with a real git
// checkout and real bash commands: only the model is a stand-in.

const FIX_GREETING = {
  turns: [
    {
      output: [
        { type: "reasoning", summary: [{ text: "Look at the file first." }] },
        { type: "shell_call", call_id: "call_cat", action: { commands: ["cat greeting.txt"] } },
      ],
    },
    {
      output: [
        {
          type: "apply_patch_call",
          call_id: "call_patch",
          operation: { type: "update_file", path: "greeting.txt", diff: "@@\n-Hello, wrold!\n+Hello, world!\n" },
        },
      ],
    },
    { output: [{ type: "shell_call", call_id: "call_test", action: { commands: ["sh test.sh"] } }] },
    { output: [{ type: "message", content: "Fixed the typo in greeting.txt; test.sh passes." }] },
  ],
};

const LOOP_FOREVER = {
  turns: [1, 2, 3].map((n) => ({
    output: [{ type: "shell_call", call_id: `call_${n}`, action: { commands: [`echo ${n}`] } }],
  })),
};

const REJECTED = { turns: [{ status: 400, error: { message: "Unsupported parameter: 'foo'." }, output: [] }] };

let server: ScriptedModelServer;
const cleanups: Array<() => Promise<void>> = [];

beforeAll(async () => {
  server = await startScriptedModelServer({
    scripts: { "fix-greeting": FIX_GREETING, "loop-forever": LOOP_FOREVER, rejected: REJECTED },
  });
});
afterAll(async () => {
  await server.close();
});
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((c) => c()));
});

async function options(model: string, overrides: Partial<AgentRunOptions> = {}) {
  const repo = await tempRepo({
    "greeting.txt": "Hello, wrold!\n",
    "test.sh": 'grep -q "Hello, world!" greeting.txt && echo "1 passed"\n',
    "AGENTS.md": "Run `sh test.sh` before finishing.\n",
  });
  cleanups.push(repo.cleanup);
  const events: NewEvent[] = [];
  const opts: AgentRunOptions = {
    model,
    client: { baseURL: server.url, apiKey: "sk-test", maxRetries: 0 },
    workspace: repo.workspace,
    task: "Fix the typo in greeting.txt.",
    limits: { maxTurns: 10 },
    emit: (e) => events.push(e),
    ...overrides,
  };
  return { opts, events, workspace: repo.workspace };
}

/** A port that was free a moment ago and has nothing listening now. */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

function bodies(model: string): Array<Record<string, unknown>> {
  return server.requests
    .filter((r) => r.path === "/v1/responses")
    .map((r) => r.body as Record<string, unknown>)
    .filter((b) => b.model === model);
}

describe("runAgent against the scripted model server", () => {
  it("inspects, patches, tests and finishes", async () => {
    const { opts, events, workspace } = await options("script:fix-greeting");
    const outcome = await runAgent(opts);

    expect(outcome.summary).toBe("Fixed the typo in greeting.txt; test.sh passes.");
    expect(outcome.turns).toBe(4);
    expect(outcome.stopReason).toBe("completed");
    expect(outcome.usage.inputTokens).toBeGreaterThan(0);
    expect((await workspace.readFile("greeting.txt"))?.toString()).toBe("Hello, world!\n");

    const kinds = events.filter((e) => e.type !== "log").map((e) => e.type);
    expect(kinds).toEqual([
      ...["model", "tool_call", "tool_result"],
      ...["model", "tool_call", "tool_result"],
      ...["model", "tool_call", "tool_result"],
      "model",
    ]);
    const results = events.flatMap((e) => (e.type === "tool_result" ? [e.data] : []));
    expect(results.map((r) => [r.callId, r.tool, r.ok])).toEqual([
      ["call_cat", "shell", true],
      ["call_patch", "apply_patch", true],
      ["call_test", "shell", true],
    ]);
    expect(events).toContainEqual({
      type: "log",
      data: { stream: "stdout", text: "1 passed\n", phase: "agent", source: "shell" },
    });

    const requests = bodies("script:fix-greeting");
    expect(requests).toHaveLength(4);
    for (const body of requests) {
      expect(body.store).toBe(false);
      expect(body.tools).toEqual([{ type: "shell" }, { type: "apply_patch" }]);
      expect(body.include).toEqual(["reasoning.encrypted_content"]);
      expect(body.instructions).toContain("Run `sh test.sh` before finishing.");
    }
    const second = requests[1]?.input as Array<Record<string, unknown>>;
    expect(second[0]).toEqual({ role: "user", content: "Fix the typo in greeting.txt." });
    expect(second.find((i) => i.type === "reasoning")?.encrypted_content).toEqual(expect.any(String));
    expect(second.find((i) => i.type === "shell_call_output")).toEqual({
      type: "shell_call_output",
      call_id: "call_cat",
      max_output_length: null,
      output: [{ stdout: "Hello, wrold!\n", stderr: "", outcome: { type: "exit", exit_code: 0 } }],
    });
    const last = requests[3]?.input as Array<Record<string, unknown>>;
    expect(last.find((i) => i.type === "apply_patch_call_output")).toMatchObject({ status: "completed" });
    expect(last.filter((i) => i.type === "shell_call_output")).toHaveLength(2);
  });

  it.each([
    // Port 1 is refused by fetch itself ("bad port"); a just-closed port is refused by the kernel.
    ["a port fetch refuses", async () => 1, "bad port"],
    ["a closed port", closedPort, "ECONNREFUSED"],
  ])("throws model_unreachable quickly for %s", async (_name, port, reason) => {
    const baseURL = `http://127.0.0.1:${await port()}/v1`;
    const { opts } = await options("gpt-5.3-codex", { client: { baseURL, apiKey: "sk-test", maxRetries: 0 } });
    const started = Date.now();
    const err = await runAgent(opts).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PatchbayError);
    expect((err as PatchbayError).code).toBe("model_unreachable");
    expect((err as PatchbayError).message).toContain(reason);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it("throws model_error with the status and message of an API error", async () => {
    const { opts } = await options("script:rejected");
    const err = await runAgent(opts).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PatchbayError);
    expect((err as PatchbayError).code).toBe("model_error");
    expect((err as PatchbayError).message).toContain("400");
    expect((err as PatchbayError).message).toContain("Unsupported parameter: 'foo'.");
    expect((err as PatchbayError).details).toMatchObject({ status: 400 });
  });

  it("throws budget_exceeded when maxTurns is reached", async () => {
    const { opts } = await options("script:loop-forever", { limits: { maxTurns: 2 } });
    const err = await runAgent(opts).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PatchbayError);
    expect((err as PatchbayError).code).toBe("budget_exceeded");
    expect((err as PatchbayError).details).toMatchObject({ limit: "maxTurns", turns: 2 });
    expect(bodies("script:loop-forever")).toHaveLength(2);
  });
});
