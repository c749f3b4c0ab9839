import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { type ScriptedModelServer, startScriptedModelServer } from "@patchbay/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkModelServed } from "./model-check.js";

let scripted: ScriptedModelServer;
// An OpenAI-compatible server without GET /v1/models/{id} (like vLLM or llama.cpp's): every route 404s.
let bare: Server;
let bareUrl: string;

beforeAll(async () => {
  scripted = await startScriptedModelServer({
    scripts: { known: { turns: [{ output: [{ type: "message", content: "ok" }] }] } },
  });
  bare = createServer((_req, res) => {
    res.writeHead(404, { "content-type": "application/json" });
    res.end(JSON.stringify({ detail: "Not Found" }));
  }).listen(0, "127.0.0.1");
  await new Promise((r) => bare.once("listening", r));
  bareUrl = `http://127.0.0.1:${(bare.address() as AddressInfo).port}/v1`;
});

afterAll(async () => {
  await scripted.close();
  bare.close();
});

const client = (baseURL: string) => ({ baseURL, apiKey: "sk-test" });

describe("checkModelServed", () => {
  it("says served for a model the endpoint has, with or without the protocol prefix", async () => {
    expect(await checkModelServed({ model: "script:known", client: client(scripted.url) })).toBe("served");
    expect(await checkModelServed({ model: "chat:script:known", client: client(scripted.url) })).toBe("served");
  });

  it("fails with model_error naming the model when the endpoint says it does not exist", async () => {
    const error = await checkModelServed({ model: "responses:script:nope", client: client(scripted.url) }).catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({
      code: "model_error",
      message: `the endpoint ${scripted.url} does not serve model script:nope`,
    });
  });

  it("says unknown (go on) when the endpoint has no such route, or cannot be reached", async () => {
    expect(await checkModelServed({ model: "any-model", client: client(bareUrl) })).toBe("unknown");
    expect(await checkModelServed({ model: "any-model", client: client("http://127.0.0.1:9/v1") })).toBe("unknown");
  });
});
