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

/**
 * What a search covers: the project's uploads and the docs of every repository, or, with `repo`,
 * the uploads and that one repository's docs (a job's search).
 */
export interface SearchScope {
  projectId: string;
  repo?: string;
}

/** A chunk as search returns it. */
export interface SearchHit {
  chunkId: string;
  documentId: string;
  source: DocumentSource;
  /** The repository of a `repo` document; null for uploads. */
  repo: string | null;
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
  /** The repository (normalized URL) a `repo` document was read from; null for uploads. */
  repo: string | null;
  path: string;
  contentHash: string;
  version: number;
  bytes: number;
  chunks: number;
  createdAt: string;
  updatedAt: string;
}
