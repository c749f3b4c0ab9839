import { createHash } from "node:crypto";
import type { ServerResponse } from "node:http";
import { sendError, sendJson } from "./http.js";

/** What the stand-in calls itself in every answer, so that nobody mistakes it for a real model. */
export const STAND_IN_EMBEDDINGS_MODEL = "stand-in:hashed-bag-of-words";

export const STAND_IN_DIMENSIONS = 256;

const STOP_WORDS = new Set(
  "a an and are as at be by can do does for from how i in is it of on or that the this to what when where which with you your".split(
    " ",
  ),
);

/**
 * The deterministic stand-in for an embeddings model: a hashed bag of words (lower-cased words,
 * a plural `s` dropped, stop words skipped, each hashed to a signed slot), unit length. Texts
 * sharing words are close; it knows no synonyms. For tests and benchmarks only.
 */
export function hashedBagOfWordsEmbedding(text: string, dimensions = STAND_IN_DIMENSIONS): number[] {
  const vector = new Array<number>(dimensions).fill(0);
  for (const raw of text.toLowerCase().match(/[a-z0-9]+/g) ?? []) {
    if (STOP_WORDS.has(raw)) continue;
    const word = raw.length > 3 && raw.endsWith("s") && !raw.endsWith("ss") ? raw.slice(0, -1) : raw;
    const digest = createHash("sha1").update(word).digest();
    const slot = digest.readUInt32BE(0) % dimensions;
    vector[slot] = (vector[slot] ?? 0) + ((digest[4] ?? 0) & 1 ? 1 : -1);
  }
  const norm = Math.sqrt(vector.reduce((sum, x) => sum + x * x, 0));
  return norm === 0 ? vector : vector.map((x) => x / norm);
}

/** Answers `POST /v1/embeddings` like OpenAI does, with the stand-in's vectors. */
export function handleEmbeddings(res: ServerResponse, body: Record<string, unknown>): void {
  const input = body.input;
  const texts =
    typeof input === "string"
      ? [input]
      : Array.isArray(input) && input.every((t) => typeof t === "string")
        ? input
        : null;
  if (texts === null || texts.length === 0) {
    sendError(res, 400, { message: "input must be a string or a non-empty array of strings", param: "input" });
    return;
  }
  const dims =
    typeof body.dimensions === "number" && body.dimensions > 0 ? Math.min(body.dimensions, 4096) : STAND_IN_DIMENSIONS;
  // The SDK asks for base64 (little-endian float32) unless the caller wants floats.
  const base64 = body.encoding_format === "base64";
  const data = texts.map((text: string, index) => {
    const vector = hashedBagOfWordsEmbedding(text, dims);
    const embedding = base64 ? Buffer.from(new Float32Array(vector).buffer).toString("base64") : vector;
    return { object: "embedding", index, embedding };
  });
  const tokens = texts.reduce((sum: number, t: string) => sum + Math.ceil(t.length / 4), 0);
  sendJson(res, 200, {
    object: "list",
    data,
    model: `${STAND_IN_EMBEDDINGS_MODEL}-${dims} (asked for ${String(body.model)})`,
    usage: { prompt_tokens: tokens, total_tokens: tokens },
  });
}
