import type { SearchScope } from "./types.js";

/**
 * The SQL condition for chunks (alias `c`) in a scope: the project's, and without a repository
 * all of them, with one its docs and the uploads (whose `repo` is ""). `$p` is the project id's
 * parameter, `$r` the repository's (null for every repository).
 */
export function chunkScopeSql(projectParam: number, repoParam: number): string {
  return `c.project_id = $${projectParam} AND ($${repoParam}::text IS NULL OR c.repo = '' OR c.repo = $${repoParam})`;
}

/** The scope's repository as a query parameter. */
export function repoParam(scope: SearchScope): string | null {
  return scope.repo ?? null;
}
