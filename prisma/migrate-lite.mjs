#!/usr/bin/env node
// Minimal `prisma migrate deploy` for PostgreSQL using only `pg`. Writes _prisma_migrations exactly
// like Prisma's schema engine (same DDL, sha256-hex checksum of migration.sql, same row lifecycle,
// same advisory lock key), so real Prisma tooling sees the migrations as applied.
import { createHash, randomUUID } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import pg from "pg";

const dir = path.resolve(process.argv[2] ?? "prisma/migrations");
const client = new pg.Client({
  connectionString: process.env.DATABASE_URL || "postgresql://patchbay:patchbay@127.0.0.1:5432/patchbay",
});
await client.connect();
try {
  await client.query("SELECT pg_advisory_lock(72707369)"); // Prisma's lock id: never runs concurrently with it
  const {
    rows: [{ exists }],
  } = await client.query("SELECT to_regclass('_prisma_migrations') IS NOT NULL AS exists");
  if (!exists) {
    const {
      rows: [{ n }],
    } = await client.query(
      "SELECT count(*)::int AS n FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace WHERE s.nspname = current_schema() AND c.relkind IN ('r','v','m','p')",
    );
    if (n > 0) throw new Error("P3005: schema not empty and no _prisma_migrations table (baseline first)");
    await client.query(`CREATE TABLE _prisma_migrations (
    id                      VARCHAR(36) PRIMARY KEY NOT NULL,
    checksum                VARCHAR(64) NOT NULL,
    finished_at             TIMESTAMPTZ,
    migration_name          VARCHAR(255) NOT NULL,
    logs                    TEXT,
    rolled_back_at          TIMESTAMPTZ,
    started_at              TIMESTAMPTZ NOT NULL DEFAULT now(),
    applied_steps_count     INTEGER NOT NULL DEFAULT 0
);`);
  }
  const { rows } = await client.query(
    "SELECT migration_name, checksum, finished_at FROM _prisma_migrations WHERE rolled_back_at IS NULL ORDER BY started_at",
  );
  const failed = rows.filter((r) => !r.finished_at).map((r) => r.migration_name);
  if (failed.length) throw new Error(`P3009: failed migrations in the database: ${failed.join(", ")}`);
  const applied = new Map(rows.map((r) => [r.migration_name, r.checksum]));
  const names = (await readdir(dir, { withFileTypes: true }))
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
  let count = 0;
  for (const name of names) {
    const script = await readFile(path.join(dir, name, "migration.sql"), "utf8");
    const checksum = createHash("sha256").update(script).digest("hex");
    if (applied.has(name)) {
      if (applied.get(name) !== checksum) console.warn(`warning: ${name} was edited after it was applied`);
      continue;
    }
    const id = randomUUID();
    await client.query(
      "INSERT INTO _prisma_migrations (id, checksum, started_at, migration_name) VALUES ($1, $2, now(), $3)",
      [id, checksum, name],
    );
    try {
      await client.query(script); // one simple-protocol query = one implicit transaction, like Prisma
    } catch (e) {
      await client.query("UPDATE _prisma_migrations SET logs = $2 WHERE id = $1", [id, String(e.message)]);
      throw new Error(`migration ${name} failed: ${e.message}`);
    }
    await client.query(
      "UPDATE _prisma_migrations SET applied_steps_count = applied_steps_count + 1, finished_at = now() WHERE id = $1",
      [id],
    );
    console.log(`applied ${name}`);
    count++;
  }
  if (!count) console.log("No pending migrations.");
} catch (e) {
  console.error(e.message);
  process.exitCode = 1;
} finally {
  await client.end(); // closing the session releases the advisory lock
}
