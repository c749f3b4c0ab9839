import { chunkScopeSql, repoParam } from "./scope.js";
import type { Queryable } from "./sql.js";
import type { SearchScope } from "./types.js";

/** One chunk's embedding, unit length (so that cosine similarity is the dot product). */
export interface VectorItem {
  chunkId: string;
  documentId: string;
  embedding: number[];
}

export interface VectorMatch {
  chunkId: string;
  /** Cosine similarity, -1..1. */
  score: number;
}

/**
 * Where chunk embeddings live and are searched exactly (no approximate index): Postgres beside
 * the chunk by default, Milvus for collections past one machine.
 */
export interface VectorStore {
  readonly name: string;
  /** Stores embeddings of chunks that already exist in the chunk table. */
  upsert(projectId: string, items: VectorItem[]): Promise<void>;
  /**
   * The k chunks of the scope most similar to `embedding`, best first. A store that cannot filter
   * by repository searches the whole project; the hits outside the scope are dropped later.
   */
  search(scope: SearchScope, embedding: number[], k: number): Promise<VectorMatch[]>;
  /** Forgets a document's embeddings (before its chunks are replaced or when it is deleted). */
  deleteDocument(projectId: string, documentId: string): Promise<void>;
  /** Forgets every embedding of a project. */
  deleteProject(projectId: string): Promise<void>;
}

/** Embeddings in `knowledge_chunks.embedding` (real[]); similarity computed in SQL over the project's chunks. */
export class PostgresVectorStore implements VectorStore {
  readonly name = "postgres";

  constructor(private readonly db: Queryable) {}

  /** Writes the embedding column of the given chunks. */
  async upsert(projectId: string, items: VectorItem[]): Promise<void> {
    if (items.length === 0) return;
    const rows = items.map((i) => ({ id: i.chunkId, embedding: i.embedding }));
    await this.db.query(
      `UPDATE knowledge_chunks c SET embedding = r.embedding
         FROM jsonb_to_recordset($2::jsonb) AS r(id uuid, embedding real[])
        WHERE c.id = r.id AND c.project_id = $1`,
      [projectId, JSON.stringify(rows)],
    );
  }

  /** Exact search: the dot product with every embedded chunk of the scope. */
  async search(scope: SearchScope, embedding: number[], k: number): Promise<VectorMatch[]> {
    const { rows } = await this.db.query<{ id: string; score: number }>(
      `SELECT c.id, (SELECT sum(a * b) FROM unnest(c.embedding, $2::real[]) AS t(a, b))::float8 AS score
         FROM knowledge_chunks c
        WHERE ${chunkScopeSql(1, 5)} AND cardinality(c.embedding) = $3
        ORDER BY score DESC, c.id
        LIMIT $4`,
      [scope.projectId, embedding, embedding.length, k, repoParam(scope)],
    );
    return rows.map((r) => ({ chunkId: r.id, score: r.score }));
  }

  /** Nothing to do: the embeddings go with the chunk rows. */
  async deleteDocument(): Promise<void> {}

  /** Nothing to do: the embeddings go with the chunk rows. */
  async deleteProject(): Promise<void> {}
}
