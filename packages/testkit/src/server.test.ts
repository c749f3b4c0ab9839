import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startScriptedModelServer } from "./server.js";
import type { ModelScript, RecordedRequest, ScriptedModelServer } from "./types.js";

const DONE: ModelScript = { turns: [{ output: [{ type: "message", content: "ok" }] }] };

let dir: string;
let server: ScriptedModelServer;
let client: OpenAI;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "testkit-scripts-"));
  await writeFile(join(dir, "from-dir.json"), JSON.stringify(DONE));
  server = await startScriptedModelServer({ scriptsDir: dir, scripts: { inline: DONE } });
  client = new OpenAI({ baseURL: server.url, apiKey: "sk-secret-123", maxRetries: 0 });
});
afterAll(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

async function post(path: string, body: unknown): Promise<Response> {
  return fetch(`${server.url}${path}`, { method: "POST", body: JSON.stringify(body) });
}

describe("scripted model server", () => {
  it("listens on 127.0.0.1 and lists script:<name> models", async () => {
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/v1`);
    const models = await client.models.list();
    expect(models.data.map((m) => m.id)).toEqual(["script:from-dir", "script:inline"]);
  });

  it("answers GET /v1/models/{id} for scripts it knows (inline, in the folder, posted) and 404 model_not_found otherwise", async () => {
    expect(await client.models.retrieve("script:inline")).toMatchObject({ id: "script:inline", object: "model" });
    expect((await client.models.retrieve("script:from-dir")).id).toBe("script:from-dir");
    expect((await post("/scripts/posted-for-retrieve", DONE)).status).toBeLessThan(300);
    expect((await client.models.retrieve("script:posted-for-retrieve")).id).toBe("script:posted-for-retrieve");
    const missing = await client.models.retrieve("script:nope").catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(OpenAI.NotFoundError);
    expect((missing as InstanceType<typeof OpenAI.NotFoundError>).code).toBe("model_not_found");
    const other = await client.models.retrieve("gpt-5.3-codex").catch((e: unknown) => e);
    expect(other).toBeInstanceOf(OpenAI.NotFoundError);
  });

  it("answers an unknown script with 404 model_not_found", async () => {
    const error = await client.responses.create({ model: "script:nope", input: "x" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.NotFoundError);
    const apiError = error as InstanceType<typeof OpenAI.NotFoundError>;
    expect(apiError.error).toMatchObject({ type: "invalid_request_error", param: "model", code: "model_not_found" });
  });

  it("accepts a posted script and plays it", async () => {
    const res = await post("/scripts/posted", { turns: [{ output: [{ type: "message", text: "posted!" }] }] });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ name: "posted", model: "script:posted", turns: 1 });
    const response = await client.responses.create({ model: "script:posted", input: "x" });
    expect(response.output_text).toBe("posted!");
  });

  it("serves a best-of-N attempt (X-Patchbay-Candidate: n) from <name>.candidate-<n>, others from <name>", async () => {
    const say = (text: string) => ({ turns: [{ output: [{ type: "message", text }] }] });
    await post("/scripts/bo3", say("plain"));
    await post("/scripts/bo3.candidate-2", say("second"));
    const asCandidate = (n: string) =>
      client.responses.create({ model: "script:bo3", input: "x" }, { headers: { "X-Patchbay-Candidate": n } });
    expect((await asCandidate("2")).output_text).toBe("second");
    expect((await asCandidate("3")).output_text).toBe("plain");
    expect((await client.responses.create({ model: "script:bo3", input: "x" })).output_text).toBe("plain");
  });

  it("rejects a bad script with 400 and says what is wrong", async () => {
    const res = await post("/scripts/bad", {
      turns: [{ output: [{ type: "shell_call", action: { commands: "ls" } }] }],
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { message: string; code: string } };
    expect(body.error.code).toBe("invalid_script");
    expect(body.error.message).toContain("turns[0].output[0].action.commands");
    expect((await post("/scripts/bad", { nope: 1 })).status).toBe(400);
    const typo = await post("/scripts/bad", { turns: [{ output: [], stauts: 500 }] });
    expect(((await typo.json()) as { error: { message: string } }).error.message).toContain("stauts");
    expect((await fetch(`${server.url}/scripts/bad`, { method: "POST", body: "not json" })).status).toBe(400);
  });

  it("picks up a script file added to the folder after start", async () => {
    await writeFile(
      join(dir, "late.json"),
      JSON.stringify({ turns: [{ output: [{ type: "message", content: "late" }] }] }),
    );
    expect((await client.models.list()).data.map((m) => m.id)).toContain("script:late");
    const response = await client.responses.create({ model: "script:late", input: "x" });
    expect(response.output_text).toBe("late");
  });

  it("fails an error turn with its status once, then lets the retry through", async () => {
    server.addScript("flaky", {
      turns: [
        { status: 500, error: { message: "upstream broke" }, output: [{ type: "message", content: "recovered" }] },
      ],
    });
    const error = await client.responses.create({ model: "script:flaky", input: "x" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.InternalServerError);
    expect((error as Error).message).toContain("upstream broke");
    const retried = await client.responses.create({ model: "script:flaky", input: "x" });
    expect(retried.output_text).toBe("recovered");
  });

  it("serves 429 with retry-after so that the SDK's own retries get through", async () => {
    server.addScript("limited", {
      turns: [{ status: 429, failures: 2, output: [{ type: "message", content: "finally" }] }],
    });
    const retrying = new OpenAI({ baseURL: server.url, apiKey: "sk-secret-123", maxRetries: 2 });
    const before = server.requests.length;
    const response = await retrying.responses.create({ model: "script:limited", input: "x" });
    expect(response.output_text).toBe("finally");
    expect(server.requests.length - before).toBe(3);

    server.addScript("limited", { turns: [{ status: 429, output: [] }] });
    const error = await client.chat.completions
      .create({ model: "script:limited", messages: [] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    expect((error as InstanceType<typeof OpenAI.RateLimitError>).code).toBe("rate_limit_exceeded");
  });

  it("records every request with its Authorization header and parsed body", async () => {
    await client.responses.create({ model: "script:inline", input: "record me" });
    const last = server.requests.at(-1);
    expect(last).toMatchObject({
      method: "POST",
      path: "/v1/responses",
      body: { model: "script:inline", input: "record me" },
    });
    expect(last?.headers.authorization).toBe("Bearer sk-secret-123");
    const overHttp = (await (await fetch(`${server.url}/_requests`)).json()) as RecordedRequest[];
    expect(overHttp.at(-1)).toEqual(JSON.parse(JSON.stringify(last)));
    expect(overHttp.some((r) => r.path === "/v1/_requests")).toBe(false);
  });

  it("answers unknown routes with 404 in OpenAI's error shape", async () => {
    const res = await fetch(`${server.url}/audio/speech`, { method: "POST", body: "{}" });
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: { message: "no route for POST /v1/audio/speech", param: null } });
  });
});

describe("startScriptedModelServer options", () => {
  it("refuses to start on a scripts folder holding an invalid script", async () => {
    const badDir = await mkdtemp(join(tmpdir(), "testkit-bad-"));
    await writeFile(join(badDir, "broken.json"), '{"turns": [{"output": [{"no": "type"}]}]}');
    await expect(startScriptedModelServer({ scriptsDir: badDir })).rejects.toThrow(/broken\.json/);
    await rm(badDir, { recursive: true, force: true });
  });
});
