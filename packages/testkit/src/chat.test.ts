import OpenAI from "openai";
import type { ChatCompletionChunk, ChatCompletionMessageParam } from "openai/resources/chat/completions";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startScriptedModelServer } from "./server.js";
import type { ModelScript, ScriptedModelServer } from "./types.js";

const SCRIPT: ModelScript = {
  turns: [
    {
      output: [
        { type: "message", content: "Let me look." },
        { type: "shell_call", call_id: "call_sh", action: { commands: ["ls", "cat README.md"] } },
      ],
    },
    {
      output: [
        {
          type: "apply_patch_call",
          call_id: "call_add",
          operation: { type: "create_file", path: "a.txt", diff: "one\ntwo\n" },
        },
        { type: "apply_patch_call", call_id: "call_del", operation: { type: "delete_file", path: "b.txt" } },
        { type: "function_call", call_id: "call_fn", name: "run_checks", arguments: { only: "test" } },
      ],
    },
    { output: [{ type: "message", content: "Done." }] },
  ],
};

let server: ScriptedModelServer;
let client: OpenAI;

beforeAll(async () => {
  server = await startScriptedModelServer({ scripts: { chat: SCRIPT } });
  client = new OpenAI({ baseURL: server.url, apiKey: "sk-chat", maxRetries: 0 });
});
afterAll(() => server.close());

const user: ChatCompletionMessageParam = { role: "user", content: "go" };
const assistant: ChatCompletionMessageParam = { role: "assistant", content: "earlier" };

describe("POST /v1/chat/completions", () => {
  it("turns a shell_call into a `shell` function call", async () => {
    const completion = await client.chat.completions.create({ model: "script:chat", messages: [user] });
    const choice = completion.choices[0];
    expect(choice?.finish_reason).toBe("tool_calls");
    expect(choice?.message.content).toBe("Let me look.");
    expect(choice?.message.tool_calls).toEqual([
      {
        id: "call_sh",
        type: "function",
        function: { name: "shell", arguments: JSON.stringify({ command: "ls\ncat README.md" }) },
      },
    ]);
    expect(completion.usage?.prompt_tokens).toBeGreaterThan(0);
  });

  it("counts earlier assistant messages and builds Codex patch envelopes", async () => {
    const completion = await client.chat.completions.create({
      model: "script:chat",
      messages: [user, assistant, user],
    });
    const calls = completion.choices[0]?.message.tool_calls ?? [];
    const args = calls.map((c) => (c.type === "function" ? [c.function.name, JSON.parse(c.function.arguments)] : []));
    expect(args).toEqual([
      ["apply_patch", { input: "*** Begin Patch\n*** Add File: a.txt\n+one\n+two\n*** End Patch" }],
      ["apply_patch", { input: "*** Begin Patch\n*** Delete File: b.txt\n*** End Patch" }],
      ["run_checks", { only: "test" }],
    ]);
    expect(completion.choices[0]?.message.content).toBeNull();
  });

  it("streams tool calls that chat.completions.stream() accumulates", async () => {
    const stream = client.chat.completions.stream({ model: "script:chat", messages: [user, assistant, user] });
    const final = await stream.finalChatCompletion();
    const names = final.choices[0]?.message.tool_calls?.map((c) => (c.type === "function" ? c.function.name : ""));
    expect(names).toEqual(["apply_patch", "apply_patch", "run_checks"]);
    expect(final.choices[0]?.finish_reason).toBe("tool_calls");
  });

  it("streams text chunks, then usage when asked, then [DONE]", async () => {
    const messages = [user, assistant, user, assistant, user];
    const stream = await client.chat.completions.create({
      model: "script:chat",
      messages,
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks: ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    const text = chunks.map((c) => c.choices[0]?.delta.content ?? "").join("");
    expect(text).toBe("Done.");
    expect(chunks.at(-2)?.choices[0]?.finish_reason).toBe("stop");
    expect(chunks.at(-1)?.usage?.total_tokens).toBeGreaterThan(0);
    expect(chunks.at(-1)?.usage?.prompt_tokens_details?.cached_tokens).toBeGreaterThan(0);
  });

  it("answers an unknown model with 404 in OpenAI's error shape", async () => {
    const error = await client.chat.completions.create({ model: "gpt-4o", messages: [user] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.NotFoundError);
    expect((error as InstanceType<typeof OpenAI.NotFoundError>).code).toBe("model_not_found");
  });
});
