import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashedBagOfWordsEmbedding, STAND_IN_EMBEDDINGS_MODEL } from "./embeddings.js";
import { startScriptedModelServer } from "./server.js";
import type { ScriptedModelServer } from "./types.js";

const dot = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * (b[i] ?? 0), 0);

describe("the stand-in embeddings", () => {
  it("is deterministic, unit length, and puts texts sharing words closer", () => {
    const a = hashedBagOfWordsEmbedding("roll back the release");
    expect(hashedBagOfWordsEmbedding("roll back the release")).toEqual(a);
    expect(dot(a, a)).toBeCloseTo(1, 10);
    const near = hashedBagOfWordsEmbedding("how to roll back a bad release");
    const far = hashedBagOfWordsEmbedding("page the on-call engineer");
    expect(dot(a, near)).toBeGreaterThan(dot(a, far));
  });
});

describe("POST /v1/embeddings", () => {
  let server: ScriptedModelServer;
  beforeAll(async () => {
    server = await startScriptedModelServer();
  });
  afterAll(async () => {
    await server.close();
  });

  it("answers the OpenAI SDK in input order, naming itself a stand-in", async () => {
    const client = new OpenAI({ baseURL: server.url, apiKey: "test" });
    const res = await client.embeddings.create({ model: "text-embedding-3-small", input: ["alpha beta", "gamma"] });
    expect(res.model).toContain(STAND_IN_EMBEDDINGS_MODEL);
    expect(res.data.map((d) => d.index)).toEqual([0, 1]);
    expect(res.data[0]?.embedding).toHaveLength(256);
    const expected = hashedBagOfWordsEmbedding("gamma");
    res.data[1]?.embedding.forEach((x, i) => {
      expect(x).toBeCloseTo(expected[i] ?? Number.NaN, 6);
    });
  });

  it("refuses a request without input", async () => {
    const res = await fetch(`${server.url}/embeddings`, { method: "POST", body: JSON.stringify({ model: "m" }) });
    expect(res.status).toBe(400);
  });
});
