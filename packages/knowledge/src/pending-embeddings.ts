import { chunkScopeSql, repoParam } from "./scope.js";
import type { Queryable } from "./sql.js";
import type { SearchScope } from "./types.js";

/** A chunk whose embedding is not stored yet (uploaded before an embeddings model was set, or its embedding failed). */
export interface PendingChunk {
  id: string;
  documentId: string;
  projectId: string;
  headingPath: string[];
  text: string;
}

/** How many chunks of the scope have no stored embedding. */
export async function countPending(db: Queryable, scope: SearchScope): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM knowledge_chunks c WHERE ${chunkScopeSql(1, 2)} AND NOT c.embedded`,
    [scope.projectId, repoParam(scope)],
  );
  return rows[0]?.n ?? 0;
}

/** Up to `limit` chunks without a stored embedding, of one project or of any. */
export async function takePending(db: Queryable, limit: number, projectId?: string): Promise<PendingChunk[]> {
  const { rows } = await db.query<{
    id: string;
    document_id: string;
    project_id: string;
    heading_path: string[] | null;
    text: string;
  }>(
    `SELECT c.id, c.document_id, c.project_id, c.heading_path, c.text
       FROM knowledge_chunks c WHERE NOT c.embedded AND ($2::text IS NULL OR c.project_id = $2)
      ORDER BY c.project_id, c.document_id, c.ordinal LIMIT $1`,
    [limit, projectId ?? null],
  );
  return rows.map((r) => ({
    id: r.id,
    documentId: r.document_id,
    projectId: r.project_id,
    headingPath: r.heading_path ?? [],
    text: r.text,
  }));
}

/** Records that the vector store holds these chunks' embeddings. */
export async function markEmbedded(db: Queryable, chunkIds: string[]): Promise<void> {
  if (chunkIds.length === 0) return;
  await db.query("UPDATE knowledge_chunks SET embedded = true WHERE id = ANY($1::uuid[])", [chunkIds]);
}
