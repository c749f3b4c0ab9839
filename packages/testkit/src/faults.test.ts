import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseScript } from "./script-schema.js";
import { startScriptedModelServer } from "./server.js";
import type { ModelScript, ScriptedModelServer } from "./types.js";

const CALL = { type: "function_call", name: "shell", call_id: "c1", arguments: { command: "ls" } };
const SCRIPTS: Record<string, ModelScript> = {
  drop: { turns: [{ fault: { type: "drop_stream", afterEvents: 1 }, output: [CALL] }] },
  slow: { turns: [{ fault: { type: "slow_first_byte", delayMs: 400 }, output: [CALL] }] },
  broken: { turns: [{ fault: { type: "malformed_arguments" }, output: [CALL] }] },
};

let server: ScriptedModelServer;
beforeAll(async () => {
  server = await startScriptedModelServer({ scripts: SCRIPTS });
});
afterAll(() => server.close());

function post(path: string, body: Record<string, unknown>): Promise<Response> {
  return fetch(`${server.url}${path}`, { method: "POST", body: JSON.stringify(body) });
}

describe("injected faults", () => {
  it.each([
    ["/responses", { input: "x", stream: true }],
    ["/chat/completions", { messages: [{ role: "user", content: "x" }], stream: true }],
    ["/responses", { input: "x" }],
  ])("drop_stream on %s cuts the connection once, then answers in full", async (path, body) => {
    server.addScript("drop", SCRIPTS.drop!);
    const first = await post(path, { model: "script:drop", ...body });
    expect(first.status).toBe(200);
    await expect(first.text()).rejects.toThrow();
    const second = await post(path, { model: "script:drop", ...body });
    expect(await second.text()).toContain("c1");
  });

  it("slow_first_byte delays the first answer only", async () => {
    const started = Date.now();
    await (await post("/responses", { model: "script:slow", input: "x" })).text();
    const firstMs = Date.now() - started;
    await (await post("/responses", { model: "script:slow", input: "x" })).text();
    expect(firstMs).toBeGreaterThanOrEqual(380);
    expect(server.requests.at(-1)?.path).toBe("/v1/responses");
  });

  it("malformed_arguments breaks the JSON of function-call arguments in both protocols", async () => {
    const responses = (await (await post("/responses", { model: "script:broken", input: "x" })).json()) as {
      output: Array<{ arguments: string }>;
    };
    expect(() => JSON.parse(responses.output[0]?.arguments ?? "")).toThrow();
    const chat = (await (
      await post("/chat/completions", { model: "script:broken", messages: [{ role: "user", content: "x" }] })
    ).json()) as { choices: Array<{ message: { tool_calls: Array<{ function: { arguments: string } }> } }> };
    expect(() => JSON.parse(chat.choices[0]?.message.tool_calls[0]?.function.arguments ?? "")).toThrow();
  });

  it("rejects a turn with both status and fault", () => {
    const bad = { turns: [{ status: 500, fault: { type: "drop_stream" }, output: [] }] };
    expect(() => parseScript(bad)).toThrow(/either `status` or `fault`/);
  });
});
