import { chunkScopeSql, repoParam } from "./scope.js";
import type { Queryable } from "./sql.js";
import type { DocumentSource, SearchHit, SearchScope } from "./types.js";

interface HitRow {
  id: string;
  document_id: string;
  source: DocumentSource;
  repo: string;
  path: string;
  version: number;
  heading_path: string[] | null;
  start_line: number;
  end_line: number;
  text: string;
}

/**
 * Loads ranked chunk ids as hits, in the given order; ids no longer stored, or outside the scope
 * (a vector store that cannot filter by repository), are dropped.
 */
export async function hydrateHits(
  db: Queryable,
  scope: SearchScope,
  ranked: Array<{ id: string; score: number }>,
): Promise<SearchHit[]> {
  if (ranked.length === 0) return [];
  const { rows } = await db.query<HitRow>(
    `SELECT c.id, c.document_id, d.source, d.repo, d.path, d.version, c.heading_path, c.start_line, c.end_line, c.text
       FROM knowledge_chunks c JOIN knowledge_documents d ON d.id = c.document_id
      WHERE ${chunkScopeSql(1, 3)} AND c.id = ANY($2::uuid[])`,
    [scope.projectId, ranked.map((r) => r.id), repoParam(scope)],
  );
  const byId = new Map(rows.map((r) => [r.id, r]));
  return ranked.flatMap(({ id, score }) => {
    const row = byId.get(id);
    if (!row) return [];
    return [
      {
        chunkId: row.id,
        documentId: row.document_id,
        source: row.source,
        repo: row.repo === "" ? null : row.repo,
        path: row.path,
        version: row.version,
        headingPath: row.heading_path ?? [],
        startLine: row.start_line,
        endLine: row.end_line,
        text: row.text,
        score,
      },
    ];
  });
}
