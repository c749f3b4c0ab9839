import { randomUUID } from "node:crypto";
import { loadConfig } from "@patchbay/config";
import pg from "pg";

/** A pool on the configured database, for integration tests. */
export function testPool(): pg.Pool {
  return new pg.Pool({ connectionString: loadConfig().DATABASE_URL, max: 4 });
}

/** Creates a project row of its own for one test; the returned function deletes it with all its documents. */
export async function testProject(pool: pg.Pool, label = "kb"): Promise<{ id: string; drop: () => Promise<void> }> {
  const id = `test-${label}-${randomUUID().slice(0, 8)}`;
  await pool.query("INSERT INTO projects (id) VALUES ($1)", [id]);
  return {
    id,
    drop: async () => {
      await pool.query("DELETE FROM projects WHERE id = $1", [id]);
    },
  };
}
