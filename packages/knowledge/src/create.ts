import { MilvusClient } from "@zilliz/milvus2-sdk-node";
import pg from "pg";
import { OpenAIEmbedder } from "./embeddings.js";
import { KnowledgeBase } from "./knowledge-base.js";
import { MilvusVectorStore } from "./milvus-store.js";

/** The settings the knowledge base reads (a structural subset of Patchbay's Config). */
export interface KnowledgeSettings {
  DATABASE_URL: string;
  OPENAI_API_KEY?: string | undefined;
  OPENAI_BASE_URL?: string | undefined;
  PATCHBAY_EMBEDDINGS_MODEL?: string | undefined;
  PATCHBAY_EMBEDDINGS_BASE_URL?: string | undefined;
  PATCHBAY_EMBEDDINGS_API_KEY?: string | undefined;
  PATCHBAY_KNOWLEDGE_MAX_DOC_BYTES?: number | undefined;
  PATCHBAY_VECTOR_STORE?: "postgres" | "milvus" | undefined;
  MILVUS_ADDRESS?: string | undefined;
}

export interface KnowledgeHandle {
  kb: KnowledgeBase;
  close(): Promise<void>;
}

/**
 * Builds the knowledge base from settings: its own small pg pool, an embedder when
 * PATCHBAY_EMBEDDINGS_MODEL is set (endpoint and key default to the model's), Milvus when asked.
 */
export function createKnowledgeBase(
  settings: KnowledgeSettings,
  options: { poolSize?: number; onPoolError?: (err: Error) => void } = {},
): KnowledgeHandle {
  const pool = new pg.Pool({ connectionString: settings.DATABASE_URL, max: options.poolSize ?? 4 });
  // An idle connection cut by a Postgres restart is an 'error' on the pool; unheard, it ends the
  // process. The pool drops that connection and the next query opens a new one.
  pool.on("error", options.onPoolError ?? (() => {}));
  const model = settings.PATCHBAY_EMBEDDINGS_MODEL;
  const baseURL = settings.PATCHBAY_EMBEDDINGS_BASE_URL ?? settings.OPENAI_BASE_URL;
  const apiKey = settings.PATCHBAY_EMBEDDINGS_API_KEY ?? settings.OPENAI_API_KEY;
  const embedder = model
    ? new OpenAIEmbedder({ model, ...(baseURL ? { baseURL } : {}), ...(apiKey ? { apiKey } : {}) })
    : null;
  let milvus: MilvusClient | null = null;
  if (settings.PATCHBAY_VECTOR_STORE === "milvus") {
    if (!settings.MILVUS_ADDRESS) throw new Error("PATCHBAY_VECTOR_STORE=milvus needs MILVUS_ADDRESS");
    milvus = new MilvusClient({ address: settings.MILVUS_ADDRESS });
  }
  const kb = new KnowledgeBase({
    pool,
    embedder,
    ...(milvus ? { vectorStore: new MilvusVectorStore({ client: milvus }) } : {}),
    ...(settings.PATCHBAY_KNOWLEDGE_MAX_DOC_BYTES
      ? { maxDocumentBytes: settings.PATCHBAY_KNOWLEDGE_MAX_DOC_BYTES }
      : {}),
  });
  return {
    kb,
    close: async () => {
      await milvus?.closeConnection();
      await pool.end();
    },
  };
}
