import type { QueryResult, QueryResultRow } from "pg";

/** What the knowledge stores need of a pg Pool or client: parameterised queries. */
export interface Queryable {
  query<R extends QueryResultRow>(text: string, values?: unknown[]): Promise<QueryResult<R>>;
}

/** A client checked out of a pool: it must be released, and it reports a lost connection as an event. */
export interface CheckedOutClient extends Queryable {
  release(err?: Error | boolean): void;
  on(event: "error", listener: (err: Error) => void): unknown;
  removeListener(event: "error", listener: (err: Error) => void): unknown;
}

/** A pool that can hand out a client for a transaction (pg.Pool fits). */
export interface TransactionPool extends Queryable {
  connect(): Promise<CheckedOutClient>;
}

/**
 * Runs `work` inside BEGIN/COMMIT on one client; rolls back when it throws. While the client is
 * out of the pool, a connection the server ends between two queries (a Postgres restart) is an
 * 'error' event on it: unheard, Node ends the process. It is heard here; the next query fails
 * with it, and the client is released as broken.
 */
export async function inTransaction<T>(pool: TransactionPool, work: (tx: Queryable) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  const heard = () => undefined;
  client.on("error", heard);
  // Removed in the same tick as the release: the pool listens to its idle clients itself.
  const release = (err?: Error) => {
    client.removeListener("error", heard);
    client.release(err ?? false);
  };
  try {
    await client.query("BEGIN");
    const result = await work(client);
    await client.query("COMMIT");
    release();
    return result;
  } catch (err) {
    await client.query("ROLLBACK").catch(() => undefined);
    release(err instanceof Error ? err : new Error(String(err)));
    throw err;
  }
}
