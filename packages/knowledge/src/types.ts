/** Where a document came from: uploaded over the API, or read from the job's repository. */
export type DocumentSource = "upload" | "repo";

export const DOCUMENT_SOURCES = ["upload", "repo"] as const;

/** A piece of a document, small enough to hand to a model, with where it sits in its file. */
export interface ChunkDraft {
  text: string;
  /** Headings above the chunk, outermost first (Markdown); the declaration name for code. */
  headingPath: string[];
  /** 1-based, inclusive. */
  startLine: number;
  endLine: number;
}

/** A chunk as search returns it. */
export interface SearchHit {
  chunkId: string;
  documentId: string;
  source: DocumentSource;
  path: string;
  version: number;
  headingPath: string[];
  startLine: number;
  endLine: number;
  text: string;
  /** Fused score (reciprocal rank) or the full-text rank when only full-text ran. */
  score: number;
}

/** A stored document, without its chunks. */
export interface KnowledgeDocumentInfo {
  id: string;
  projectId: string;
  source: DocumentSource;
  path: string;
  contentHash: string;
  version: number;
  bytes: number;
  chunks: number;
  createdAt: string;
  updatedAt: string;
}
