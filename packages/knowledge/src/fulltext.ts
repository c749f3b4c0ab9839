import { chunkScopeSql, repoParam } from "./scope.js";
import type { Queryable } from "./sql.js";
import type { SearchScope } from "./types.js";

/**
 * How the question becomes a query. `any` (default): chunks holding any of its words (stemmed,
 * stop words dropped), scored like BM25: each word's ts_rank_cd weighted by how rare the word is
 * in the project, so that "slack" counts for more than "log". `all`: web-search syntax, every word
 * required ("quoted phrases", -exclusions), ranked by ts_rank_cd.
 */
export type QueryMode = "any" | "all";

// Rare words weigh more (BM25's idf); a word's own ts_rank_cd stands in for term frequency and
// already weighs heading words (A) above body words (B) and divides by the log of the length.
// $1 project, $2 query, $3 limit, $4 repository (null: all of the project's).
const ANY_SQL = `
WITH terms AS (
  SELECT DISTINCT l AS lexeme, plainto_tsquery('simple', l) AS tq
    FROM unnest(tsvector_to_array(to_tsvector('english', $2))) AS l
),
cand AS (
  SELECT c.id, c.tsv FROM knowledge_chunks c
   WHERE ${chunkScopeSql(1, 4)}
     AND c.tsv @@ replace(plainto_tsquery('english', $2)::text, ' & ', ' | ')::tsquery
),
total AS (SELECT count(*)::float8 AS n FROM knowledge_chunks c WHERE ${chunkScopeSql(1, 4)}),
df AS (
  SELECT t.lexeme, t.tq, count(c.id)::float8 AS df
    FROM terms t LEFT JOIN cand c ON c.tsv @@ t.tq
   GROUP BY t.lexeme, t.tq
)
SELECT c.id, sum(ln(1 + (total.n - df.df + 0.5) / (df.df + 0.5)) * ts_rank_cd(c.tsv, df.tq, 1))::float8 AS rank
  FROM cand c JOIN df ON c.tsv @@ df.tq CROSS JOIN total
 GROUP BY c.id
 ORDER BY rank DESC, c.id
 LIMIT $3`;

const ALL_SQL = `
SELECT c.id, ts_rank_cd(c.tsv, q.query, 1)::float8 AS rank
  FROM knowledge_chunks c, (SELECT websearch_to_tsquery('english', $2) AS query) q
 WHERE ${chunkScopeSql(1, 4)} AND c.tsv @@ q.query
 ORDER BY rank DESC, c.id
 LIMIT $3`;

export interface FullTextMatch {
  chunkId: string;
  rank: number;
}

/** The scope's chunks that match `query`, best first. */
export async function fullTextSearch(
  db: Queryable,
  scope: SearchScope,
  query: string,
  limit: number,
  mode: QueryMode = "any",
): Promise<FullTextMatch[]> {
  const { rows } = await db.query<{ id: string; rank: number }>(mode === "any" ? ANY_SQL : ALL_SQL, [
    scope.projectId,
    query,
    limit,
    repoParam(scope),
  ]);
  return rows.map((r) => ({ chunkId: r.id, rank: r.rank }));
}
