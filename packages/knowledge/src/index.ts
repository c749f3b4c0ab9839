export * from "./chunk/index.js";
export { createKnowledgeBase, type KnowledgeHandle, type KnowledgeSettings } from "./create.js";
export { DocumentStore, type IngestStatus } from "./documents.js";
export { type Embedder, normalize, OpenAIEmbedder, type OpenAIEmbedderOptions } from "./embeddings.js";
export { type FullTextMatch, fullTextSearch, type QueryMode } from "./fulltext.js";
export { RRF_K, reciprocalRankFusion } from "./fusion.js";
export {
  DEFAULT_MAX_DOCUMENT_BYTES,
  type EmbedPendingOptions,
  embeddingText,
  type IngestInput,
  type IngestResult,
  KnowledgeBase,
  type KnowledgeBaseOptions,
  type SearchOptions,
  type SearchResult,
} from "./knowledge-base.js";
export { type MilvusStoreOptions, MilvusVectorStore } from "./milvus-store.js";
export {
  indexRepository,
  type RepoFiles,
  type RepoIndexOptions,
  type RepoIndexScope,
  type RepoIndexSummary,
  selectRepoFiles,
} from "./repo-docs.js";
export { inTransaction, type Queryable, type TransactionPool } from "./sql.js";
export * from "./types.js";
export { PostgresVectorStore, type VectorItem, type VectorMatch, type VectorStore } from "./vector-store.js";
