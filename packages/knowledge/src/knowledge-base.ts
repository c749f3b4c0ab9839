import { createHash } from "node:crypto";
import { PatchbayError } from "@patchbay/core";
import { chunkDocument, formatOf } from "./chunk/index.js";
import { type ChunkLimits, DEFAULT_LIMITS } from "./chunk/lines.js";
import { DocumentStore, type IngestStatus, type StoredChunk } from "./documents.js";
import type { Embedder } from "./embeddings.js";
import { fullTextSearch, type QueryMode } from "./fulltext.js";
import { reciprocalRankFusion } from "./fusion.js";
import { hydrateHits } from "./hits.js";
import { countPending, markEmbedded, takePending } from "./pending-embeddings.js";
import type { TransactionPool } from "./sql.js";
import type { DocumentSource, KnowledgeDocumentInfo, SearchHit, SearchScope } from "./types.js";
import { PostgresVectorStore, type VectorStore } from "./vector-store.js";

export const DEFAULT_MAX_DOCUMENT_BYTES = 1024 * 1024;

export interface KnowledgeBaseOptions {
  pool: TransactionPool;
  /** Present when an embeddings endpoint is configured: search is then hybrid. */
  embedder?: Embedder | null;
  /** Where embeddings go; Postgres beside the chunks by default. */
  vectorStore?: VectorStore;
  maxDocumentBytes?: number;
  limits?: ChunkLimits;
}

export interface IngestInput {
  projectId: string;
  source: DocumentSource;
  /** The repository of a `repo` document (its normalized URL): required for them, none for uploads. */
  repo?: string;
  path: string;
  content: string;
  contentType?: string;
}

export interface IngestResult {
  status: IngestStatus;
  document: KnowledgeDocumentInfo;
  /** Chunks embedded now (0 without an embedder, or when nothing changed). */
  embedded: number;
  /** Set when the document was indexed for full-text search but embedding it failed. */
  warning?: string;
}

export interface SearchOptions {
  k?: number;
  mode?: QueryMode;
  /** Search the uploads and this repository's docs only (a job's search); every repository's without it. */
  repo?: string;
}

export interface SearchResult {
  hits: SearchHit[];
  /** `hybrid` when vector search took part; `fulltext` otherwise. */
  retrieval: "hybrid" | "fulltext";
  /**
   * With an embeddings model: chunks searched not yet embedded (vector search misses them until
   * the background embedding reaches them; full-text search finds them).
   */
  pendingEmbeddings?: number;
  /** Why a configured vector search did not take part. */
  warning?: string;
}

/** How much `embedPending` does in one call, and for whom. */
export interface EmbedPendingOptions {
  /** Only this project's chunks (every project's without it). */
  projectId?: string;
  /** Chunks embedded at most (default 512). */
  maxChunks?: number;
  /** Chunks per embeddings request (default 64). */
  batchSize?: number;
}

/** A project's searchable documents: ingest, list, delete, search (full-text, hybrid with an embedder). */
export class KnowledgeBase {
  readonly documents: DocumentStore;
  readonly vectors: VectorStore;
  private readonly maxBytes: number;

  constructor(private readonly options: KnowledgeBaseOptions) {
    this.documents = new DocumentStore(options.pool);
    this.vectors = options.vectorStore ?? new PostgresVectorStore(options.pool);
    this.maxBytes = options.maxDocumentBytes ?? DEFAULT_MAX_DOCUMENT_BYTES;
  }

  /** Whether search fuses vector results in. */
  get hybrid(): boolean {
    return Boolean(this.options.embedder);
  }

  /** Chunks and stores a document (see DocumentStore.put for duplicates and versions); embeds new chunks. */
  async ingest(input: IngestInput): Promise<IngestResult> {
    const bytes = Buffer.byteLength(input.content, "utf8");
    validateDocument(input, bytes, this.maxBytes);
    const chunks = chunkDocument(
      input.content,
      formatOf(input.path, input.contentType),
      this.options.limits ?? DEFAULT_LIMITS,
    );
    const contentHash = createHash("sha256").update(input.content).digest("hex");
    const repo = input.source === "repo" ? (input.repo ?? "") : "";
    const put = await this.documents.put({ ...input, repo, contentHash, bytes, chunks });
    if (put.replacedDocumentId) await this.vectors.deleteDocument(input.projectId, put.replacedDocumentId);
    if (!this.options.embedder || put.chunks.length === 0)
      return { status: put.status, document: put.document, embedded: 0 };
    try {
      await this.embedChunks(
        input.projectId,
        put.chunks.map((c) => storedForEmbedding(put.document.id, c)),
      );
      return { status: put.status, document: put.document, embedded: put.chunks.length };
    } catch (err) {
      const warning = `indexed for full-text search only: ${err instanceof Error ? err.message : String(err)}`;
      return { status: put.status, document: put.document, embedded: 0, warning };
    }
  }

  /** The project's documents (of one source, of one repository). */
  list(projectId: string, source?: DocumentSource, repo?: string): Promise<KnowledgeDocumentInfo[]> {
    return this.documents.list(projectId, source, repo);
  }

  /** One document, or null. */
  get(projectId: string, documentId: string): Promise<KnowledgeDocumentInfo | null> {
    return this.documents.get(projectId, documentId);
  }

  /** Deletes a document with its chunks and embeddings; false when there was none. */
  async delete(projectId: string, documentId: string): Promise<boolean> {
    await this.vectors.deleteDocument(projectId, documentId);
    return this.documents.delete(projectId, documentId);
  }

  /** Deletes every document of a project. */
  async deleteProject(projectId: string): Promise<number> {
    await this.vectors.deleteProject(projectId);
    return this.documents.deleteProject(projectId);
  }

  /**
   * The k best chunks for `query` among the project's documents (with `repo`, the uploads and that
   * repository's docs): full-text, fused with exact vector search by reciprocal rank when configured.
   */
  async search(projectId: string, query: string, options: SearchOptions = {}): Promise<SearchResult> {
    const scope: SearchScope = { projectId, ...(options.repo ? { repo: options.repo } : {}) };
    const k = options.k ?? 5;
    const pool = Math.max(k * 4, 20);
    const text = await fullTextSearch(this.options.pool, scope, query, pool, options.mode);
    const embedder = this.options.embedder;
    if (!embedder) {
      const ranked = text.slice(0, k).map((m) => ({ id: m.chunkId, score: m.rank }));
      return { hits: await hydrateHits(this.options.pool, scope, ranked), retrieval: "fulltext" };
    }
    const pendingEmbeddings = await countPending(this.options.pool, scope);
    let vector: string[];
    try {
      const [embedding] = await embedder.embed([query]);
      // Cosine 0 or below is no likeness at all: such chunks would only be noise in the fusion.
      const matches = embedding ? await this.vectors.search(scope, embedding, pool) : [];
      vector = matches.filter((m) => m.score > 0).map((m) => m.chunkId);
    } catch (err) {
      const ranked = text.slice(0, k).map((m) => ({ id: m.chunkId, score: m.rank }));
      const warning = `vector search failed, full-text only: ${err instanceof Error ? err.message : String(err)}`;
      const hits = await hydrateHits(this.options.pool, scope, ranked);
      return { hits, retrieval: "fulltext", pendingEmbeddings, warning };
    }
    const fused = reciprocalRankFusion([text.map((m) => m.chunkId), vector]).slice(0, k);
    return { hits: await hydrateHits(this.options.pool, scope, fused), retrieval: "hybrid", pendingEmbeddings };
  }

  /**
   * Embeds chunks that have no stored embedding yet (uploaded before an embeddings model was
   * configured, or whose embedding failed), of any project, in batches up to `maxChunks`; run it
   * in the background. Returns how many it embedded; throws when the endpoint fails (the rest
   * stay pending for the next call).
   */
  async embedPending(options: EmbedPendingOptions = {}): Promise<number> {
    if (!this.options.embedder) return 0;
    const max = options.maxChunks ?? 512;
    const batchSize = options.batchSize ?? 64;
    let embedded = 0;
    while (embedded < max) {
      const batch = await takePending(this.options.pool, Math.min(batchSize, max - embedded), options.projectId);
      if (batch.length === 0) break;
      for (const projectId of new Set(batch.map((c) => c.projectId))) {
        await this.embedChunks(
          projectId,
          batch.filter((c) => c.projectId === projectId),
        );
      }
      embedded += batch.length;
    }
    return embedded;
  }

  /** Embeds chunks, stores the vectors, and marks the chunks embedded. */
  private async embedChunks(
    projectId: string,
    chunks: Array<{ id: string; documentId: string; headingPath: string[]; text: string }>,
  ): Promise<void> {
    const embedder = this.options.embedder;
    if (!embedder || chunks.length === 0) return;
    const vectors = await embedder.embed(chunks.map((c) => embeddingText(c.headingPath, c.text)));
    const items = chunks.map((c, i) => ({ chunkId: c.id, documentId: c.documentId, embedding: vectors[i] ?? [] }));
    await this.vectors.upsert(projectId, items);
    await markEmbedded(
      this.options.pool,
      chunks.map((c) => c.id),
    );
  }
}

function storedForEmbedding(documentId: string, chunk: StoredChunk) {
  return { id: chunk.id, documentId, headingPath: chunk.draft.headingPath, text: chunk.draft.text };
}

/** What a chunk is embedded as: its heading path gives the text its context. */
export function embeddingText(headingPath: string[], text: string): string {
  return headingPath.length > 0 ? `${headingPath.join(" > ")}\n${text}` : text;
}

function validateDocument(input: IngestInput, bytes: number, maxBytes: number): void {
  if (input.source === "repo" && !input.repo?.trim()) {
    throw new PatchbayError("invalid_request", "a repository document needs the repository it was read from");
  }
  if (input.path.trim() === "" || input.path.length > 500) {
    throw new PatchbayError("invalid_request", "path must be 1 to 500 characters");
  }
  if (bytes > maxBytes) {
    throw new PatchbayError("invalid_request", `the document is ${bytes} bytes; the limit is ${maxBytes}`);
  }
  if (input.content.includes("\u0000") || input.path.includes("\u0000")) {
    throw new PatchbayError(
      "invalid_request",
      "the document contains NUL characters: upload Markdown, plain text or HTML",
    );
  }
}
