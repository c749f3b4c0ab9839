import { PatchbayError } from "@patchbay/core";
import OpenAI from "openai";

/** Turns texts into unit-length vectors of one fixed size. */
export interface Embedder {
  readonly model: string;
  embed(texts: string[]): Promise<number[][]>;
}

export interface OpenAIEmbedderOptions {
  model: string;
  baseURL?: string;
  apiKey?: string;
  /** Inputs per request. */
  batchSize?: number;
  maxRetries?: number;
  timeoutMs?: number;
}

/** An OpenAI-compatible `/v1/embeddings` endpoint (OpenAI, vLLM, Ollama, the scripted stand-in). */
export class OpenAIEmbedder implements Embedder {
  readonly model: string;
  private readonly client: OpenAI;
  private readonly batchSize: number;

  constructor(options: OpenAIEmbedderOptions) {
    this.model = options.model;
    this.batchSize = options.batchSize ?? 64;
    this.client = new OpenAI({
      // Local endpoints take any key; the SDK refuses to start without one.
      apiKey: options.apiKey ?? "unused",
      ...(options.baseURL ? { baseURL: options.baseURL } : {}),
      maxRetries: options.maxRetries ?? 2,
      timeout: options.timeoutMs ?? 60_000,
    });
  }

  /** Embeds in batches; vectors come back normalised to unit length, in input order. */
  async embed(texts: string[]): Promise<number[][]> {
    const out: number[][] = [];
    for (let i = 0; i < texts.length; i += this.batchSize) {
      const batch = texts.slice(i, i + this.batchSize);
      let response: OpenAI.Embeddings.CreateEmbeddingResponse;
      try {
        response = await this.client.embeddings.create({ model: this.model, input: batch, encoding_format: "float" });
      } catch (err) {
        throw new PatchbayError(
          "model_unreachable",
          `embeddings endpoint failed: ${err instanceof Error ? err.message : String(err)}`,
          {
            cause: err,
          },
        );
      }
      const ordered = [...response.data].sort((a, b) => a.index - b.index);
      if (ordered.length !== batch.length) {
        throw new PatchbayError(
          "model_error",
          `embeddings endpoint returned ${ordered.length} vectors for ${batch.length} inputs`,
        );
      }
      out.push(...ordered.map((d) => normalize(d.embedding)));
    }
    return out;
  }
}

/** The vector scaled to length 1 (a zero vector stays zero). */
export function normalize(vector: number[]): number[] {
  const norm = Math.sqrt(vector.reduce((sum, x) => sum + x * x, 0));
  return norm === 0 ? vector : vector.map((x) => x / norm);
}
