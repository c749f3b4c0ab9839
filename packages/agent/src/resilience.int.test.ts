import { type NewEvent, PatchbayError } from "@patchbay/core";
import { type ModelScript, type ScriptedModelServer, startScriptedModelServer } from "@patchbay/testkit";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { runAgent } from "./run-agent.js";
import { tempRepo } from "./testing/temp-repo.js";
import type { AgentRunOptions, ModelApi } from "./types.js";

// Endpoint faults injected by the scripted model server, over real HTTP, for both protocols.

const ok = (n: string) => ({
  output: [{ type: "shell_call", call_id: `call_${n}`, action: { commands: [`echo ${n}`] } }],
});
const done = { output: [{ type: "message", content: "done" }] };

const SCRIPTS: Record<string, ModelScript> = {
  "rate-limited": { turns: [{ status: 429, headers: { "retry-after": "1" }, ...ok("a") }, done] },
  "always-500": { turns: [{ status: 500, failures: 100, ...ok("a") }] },
  unauthorized: { turns: [{ status: 401, error: { message: "Incorrect API key provided." }, ...ok("a") }] },
  "bad-request": { turns: [{ status: 400, error: { message: "Unsupported parameter: 'foo'." }, ...ok("a") }] },
  dropped: { turns: [{ fault: { type: "drop_stream", afterEvents: 2 }, ...ok("a") }, done] },
  "dropped-forever": { turns: [{ fault: { type: "drop_stream", afterEvents: 1, times: 100 }, ...ok("a") }] },
  slow: { turns: [{ fault: { type: "slow_first_byte", delayMs: 2000 }, ...ok("a") }, done] },
  malformed: {
    turns: [
      {
        fault: { type: "malformed_arguments" },
        output: [{ type: "function_call", name: "shell", arguments: { command: "echo hi" } }],
      },
      { output: [{ type: "function_call", name: "shell", arguments: { command: "echo hi" } }] },
      done,
    ],
  },
  "malformed-forever": {
    turns: [1, 2, 3, 4].map(() => ({
      fault: { type: "malformed_arguments" as const },
      output: [{ type: "function_call", name: "shell", arguments: { command: "echo hi" } }],
    })),
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

async function run(model: string, api: ModelApi, overrides: Partial<AgentRunOptions> = {}) {
  const repo = await tempRepo({ "a.txt": "a\n" });
  cleanups.push(repo.cleanup);
  const events: NewEvent[] = [];
  const startedAt = server.requests.length;
  const options: AgentRunOptions = {
    model,
    api,
    client: { baseURL: server.url, apiKey: "sk-test", maxRetries: 2, retryBaseDelayMs: 20, timeoutMs: 10_000 },
    workspace: repo.workspace,
    task: "Do it.",
    limits: { maxTurns: 10 },
    emit: (e) => events.push(e),
    ...overrides,
  };
  const result = await runAgent(options).then(
    (outcome) => ({ outcome, error: null }),
    (error: unknown) => ({ outcome: null, error: error as PatchbayError }),
  );
  const requests = server.requests.slice(startedAt).filter((r) => r.method === "POST");
  const retries = events.filter((e) => e.type === "log" && /retry \d of/.test(e.data.text));
  return { ...result, events, requests, retries };
}

describe.each(["responses", "chat"] as const)("model endpoint faults over %s", (api) => {
  it("retries a 429 after the Retry-After it was given", async () => {
    const { outcome, requests, retries } = await run("script:rate-limited", api);
    expect(outcome?.summary).toBe("done");
    expect(requests.length).toBe(3);
    const [first, second] = requests;
    expect((second?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual(950);
    expect(retries).toHaveLength(1);
    expect(retries[0]?.data).toMatchObject({ stream: "stderr", source: "model" });
    expect(JSON.stringify(retries[0]?.data)).toContain("429");
  });

  it("gives up on a 5xx after the retries with model_unavailable", async () => {
    const { error, requests, retries } = await run("script:always-500", api);
    expect(error).toBeInstanceOf(PatchbayError);
    expect(error?.code).toBe("model_unavailable");
    expect(error?.details).toMatchObject({ status: 500, attempts: 3 });
    expect(requests).toHaveLength(3);
    expect(retries).toHaveLength(2);
  });

  it.each([
    ["script:unauthorized", 401, "Incorrect API key provided."],
    ["script:bad-request", 400, "Unsupported parameter: 'foo'."],
    ["script:no-such-script", 404, "does not exist"],
  ])("ends %s at once with model_error and the provider's message", async (model, status, message) => {
    const { error, requests } = await run(model, api);
    expect(error?.code).toBe("model_error");
    expect(error?.message).toContain(String(status));
    expect(error?.message).toContain(message);
    expect(requests).toHaveLength(1);
  });

  it("retries a dropped stream", async () => {
    const { outcome, requests, retries } = await run("script:dropped", api);
    expect(outcome?.summary).toBe("done");
    expect(requests).toHaveLength(3);
    expect(JSON.stringify(retries[0]?.data)).toMatch(/dropped|terminated|closed/);
  });

  it("gives up on a stream that keeps dropping with model_unavailable", async () => {
    const { error, requests } = await run("script:dropped-forever", api);
    expect(error?.code).toBe("model_unavailable");
    expect(requests).toHaveLength(3);
  });

  it("retries a response whose first byte comes after the request timeout", async () => {
    const client = { baseURL: server.url, apiKey: "sk-test", maxRetries: 1, retryBaseDelayMs: 20, timeoutMs: 500 };
    const { outcome, requests, retries } = await run("script:slow", api, { client });
    expect(outcome?.summary).toBe("done");
    expect(requests).toHaveLength(3);
    expect(JSON.stringify(retries[0]?.data)).toContain("timed out");
  });

  it("tells the model its arguments did not parse, and it recovers", async () => {
    const { outcome, requests, events } = await run("script:malformed", api);
    expect(outcome?.summary).toBe("done");
    const results = events.flatMap((e) => (e.type === "tool_result" ? [e.data] : []));
    expect(results[0]).toMatchObject({ tool: "shell", ok: false });
    expect(results[0]?.output).toContain("not valid JSON");
    expect(results[1]).toMatchObject({ tool: "shell", ok: true });
    expect(JSON.stringify(requests[1]?.body)).toContain("not valid JSON");
  });

  it("stops with agent_loop after three turns of malformed arguments", async () => {
    const { error, requests } = await run("script:malformed-forever", api);
    expect(error?.code).toBe("agent_loop");
    expect(error?.details).toMatchObject({ turns: 3 });
    expect(requests).toHaveLength(3);
  });
});
