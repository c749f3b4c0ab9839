import { afterAll, describe, expect, it } from "vitest";
import { inTransaction } from "./sql.js";
import { testPool } from "./test-support/db.js";

const pool = testPool();
pool.on("error", () => undefined);

afterAll(async () => {
  await pool.end();
});

describe("inTransaction", () => {
  it("a connection the server ends between two queries fails the transaction, not the process", async () => {
    const killer = testPool();
    try {
      const outcome = inTransaction(pool, async (tx) => {
        const { rows } = await tx.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
        // As a Postgres restart does: the backend is told to end while the client sits between queries.
        await killer.query("SELECT pg_terminate_backend($1)", [rows[0]!.pid]);
        await new Promise((r) => setTimeout(r, 300));
        return tx.query("SELECT 1");
      });
      await expect(outcome).rejects.toThrow(/terminat|not queryable|connection/i);
      // The pool goes on with a fresh connection.
      expect((await pool.query<{ one: number }>("SELECT 1 AS one")).rows[0]?.one).toBe(1);
    } finally {
      await killer.end();
    }
  });

  it("commits what the work did and hands the client back", async () => {
    const value = await inTransaction(
      pool,
      async (tx) => (await tx.query<{ n: number }>("SELECT 41 + 1 AS n")).rows[0]?.n,
    );
    expect(value).toBe(42);
    expect(pool.idleCount).toBeGreaterThan(0);
  });
});
