import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";

const ROOT = path.resolve(import.meta.dirname, "../..");
// Asynchronous on purpose: the scripted model server lives in this process, and a blocked event
// loop would stall (and then reset) the workers' model calls, which is not the outage under test.
const run = promisify(execFile);

/** Stops Redis (its AOF keeps the queue, as in production). */
export async function stopRedis(redisUrl: string): Promise<void> {
  await run("redis-cli", ["-u", redisUrl, "shutdown"]);
}

/** Stops the local PostgreSQL cluster (fast mode: connections are cut). */
export async function stopPostgres(): Promise<void> {
  const { stdout } = await run("ls", ["/usr/lib/postgresql"]);
  const version = stdout.trim().split("\n").sort().at(-1)!;
  await run("pg_ctlcluster", [version, "main", "stop", "-m", "fast"]);
}

/** Starts whatever of Postgres and Redis is down, with the project's own bring-up scripts. */
export async function startServices(): Promise<void> {
  await run("bash", ["scripts/up-redis.sh"], { cwd: ROOT });
  await run("bash", ["scripts/up-postgres.sh"], { cwd: ROOT });
}
