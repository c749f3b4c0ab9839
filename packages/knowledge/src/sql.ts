import type { QueryResult, QueryResultRow } from "pg";

/** What the knowledge stores need of a pg Pool or client: parameterised queries. */
export interface Queryable {
  query<R extends QueryResultRow>(text: string, values?: unknown[]): Promise<QueryResult<R>>;
}

/** A pool that can hand out a client for a transaction (pg.Pool fits). */
export interface TransactionPool extends Queryable {
  connect(): Promise<Queryable & { release(err?: Error | boolean): void }>;
}

/** Runs `work` inside BEGIN/COMMIT on one client; rolls back when it throws. */
export async function inTransaction<T>(pool: TransactionPool, work: (tx: Queryable) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    const result = await work(client);
    await client.query("COMMIT");
    client.release();
    return result;
  } catch (err) {
    await client.query("ROLLBACK").catch(() => undefined);
    client.release(err instanceof Error ? err : true);
    throw err;
  }
}
