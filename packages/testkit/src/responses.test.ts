import OpenAI from "openai";
import type { ResponseInputItem, ResponseStreamEvent } from "openai/resources/responses/responses";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startScriptedModelServer } from "./server.js";
import type { ModelScript, ScriptedModelServer } from "./types.js";

const SCRIPT: ModelScript = {
  turns: [
    {
      output: [
        { type: "reasoning", summary: [{ text: "check the tests" }] },
        { type: "shell_call", action: { commands: ["npm test"] } },
      ],
    },
    {
      output: [
        { type: "apply_patch_call", operation: { type: "update_file", path: "src/a.ts", diff: "@@\n-a\n+b\n" } },
      ],
    },
    { output: [{ type: "message", content: "All tests pass now, and the fix is in src/a.ts." }] },
  ],
};

let server: ScriptedModelServer;
let client: OpenAI;

beforeAll(async () => {
  server = await startScriptedModelServer({ scripts: { fix: SCRIPT } });
  client = new OpenAI({ baseURL: server.url, apiKey: "sk-test-key", maxRetries: 0 });
});
afterAll(() => server.close());

const user: ResponseInputItem = { role: "user", content: "fix the bug" };

describe("POST /v1/responses", () => {
  it("answers turn 0 with a completed shell_call the SDK parses", async () => {
    const response = await client.responses.create({ model: "script:fix", input: [user], store: false });
    expect(response.status).toBe("completed");
    expect(response.output.map((item) => item.type)).toEqual(["reasoning", "shell_call"]);
    const call = response.output[1];
    if (call?.type !== "shell_call") throw new Error("expected a shell_call");
    expect(call.action).toEqual({ commands: ["npm test"], timeout_ms: null, max_output_length: null });
    expect(call.id).toMatch(/^sh_/);
    expect(call.call_id).toMatch(/^call_/);
    expect(call.status).toBe("completed");
    expect(response.usage?.input_tokens).toBeGreaterThan(0);
    expect(response.usage?.output_tokens_details.reasoning_tokens).toBeGreaterThan(0);
    expect(response.usage?.input_tokens_details.cached_tokens).toBe(0);
  });

  it("counts earlier model turns in the input, with no session state", async () => {
    const first = await client.responses.create({ model: "script:fix", input: [user] });
    const call = first.output.find((item) => item.type === "shell_call");
    if (call?.type !== "shell_call") throw new Error("expected a shell_call");
    const history: ResponseInputItem[] = [
      user,
      ...(first.output as ResponseInputItem[]),
      {
        type: "shell_call_output",
        call_id: call.call_id,
        output: [{ stdout: "ok", stderr: "", outcome: { type: "exit", exit_code: 0 } }],
      },
    ];
    const second = await client.responses.create({ model: "script:fix", input: history });
    const patch = second.output[0];
    if (patch?.type !== "apply_patch_call") throw new Error("expected an apply_patch_call");
    expect(patch.operation).toEqual({ type: "update_file", path: "src/a.ts", diff: "@@\n-a\n+b\n" });
    expect(second.usage?.input_tokens_details.cached_tokens).toBeGreaterThan(0);

    const third = await client.responses.create({
      model: "script:fix",
      input: [
        ...history,
        ...(second.output as ResponseInputItem[]),
        { type: "apply_patch_call_output", call_id: patch.call_id, status: "completed" },
      ],
    });
    expect(third.output_text).toBe("All tests pass now, and the fix is in src/a.ts.");
  });

  it("answers 'script finished' once the script has run out", async () => {
    const turns = [1, 2, 3].map(() => ({ role: "assistant" as const, content: "earlier" }));
    const input = turns.flatMap((t) => [t, user]);
    const response = await client.responses.create({ model: "script:fix", input });
    expect(response.output_text).toBe("script finished");
  });

  it("streams a turn that responses.stream() accumulates into the same Response", async () => {
    const stream = client.responses.stream({ model: "script:fix", input: [user] });
    const types: string[] = [];
    stream.on("event", (event) => types.push(event.type));
    const final = await stream.finalResponse();
    expect(types[0]).toBe("response.created");
    expect(types.at(-1)).toBe("response.completed");
    expect(types).toContain("response.output_item.added");
    expect(final.output.map((item) => item.type)).toEqual(["reasoning", "shell_call"]);
    expect(final.usage?.total_tokens).toBeGreaterThan(0);
  });

  it("streams message text as deltas with create({stream: true})", async () => {
    const input = [
      user,
      { role: "assistant" as const, content: "a" },
      user,
      { role: "assistant" as const, content: "b" },
      user,
    ];
    const stream = await client.responses.create({ model: "script:fix", input, stream: true });
    const events: ResponseStreamEvent[] = [];
    for await (const event of stream) events.push(event);
    const deltas = events.flatMap((e) => (e.type === "response.output_text.delta" ? [e.delta] : []));
    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.join("")).toBe("All tests pass now, and the fix is in src/a.ts.");
    expect(events.map((e) => e.sequence_number)).toEqual(events.map((_, i) => i));
    const completed = events.at(-1);
    if (completed?.type !== "response.completed") throw new Error("expected response.completed last");
    expect(completed.response.usage).toMatchObject({
      input_tokens: expect.any(Number),
      output_tokens: expect.any(Number),
    });
  });

  it("returns reasoning encrypted_content only when the request includes it", async () => {
    const include = ["reasoning.encrypted_content" as const];
    const withBlob = await client.responses.create({ model: "script:fix", input: [user], include });
    const without = await client.responses.create({ model: "script:fix", input: [user] });
    const blob = (r: typeof withBlob) => r.output.find((i) => i.type === "reasoning");
    expect(blob(withBlob)).toMatchObject({ encrypted_content: expect.stringMatching(/^scripted:/) });
    expect(blob(without)).not.toHaveProperty("encrypted_content");
  });

  it("uses the script's usage numbers when it gives them", async () => {
    server.addScript("priced", {
      turns: [{ output: [{ type: "message", content: "hi" }], usage: { input_tokens: 1000, output_tokens: 10 } }],
    });
    const response = await client.responses.create({ model: "script:priced", input: "hello" });
    expect(response.usage).toEqual({
      input_tokens: 1000,
      input_tokens_details: { cached_tokens: 0, cache_write_tokens: 0 },
      output_tokens: 10,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: 1010,
    });
  });
});
