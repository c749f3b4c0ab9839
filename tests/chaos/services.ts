import { execFileSync } from "node:child_process";
import path from "node:path";

const ROOT = path.resolve(import.meta.dirname, "../..");

/** Stops Redis (its AOF keeps the queue, as in production). */
export function stopRedis(redisUrl: string): void {
  execFileSync("redis-cli", ["-u", redisUrl, "shutdown"], { stdio: "ignore" });
}

/** Stops the local PostgreSQL cluster (fast mode: connections are cut). */
export function stopPostgres(): void {
  const version = execFileSync("ls", ["/usr/lib/postgresql"], { encoding: "utf8" }).trim().split("\n").sort().at(-1)!;
  execFileSync("pg_ctlcluster", [version, "main", "stop", "-m", "fast"], { stdio: "ignore" });
}

/** Starts whatever of Postgres and Redis is down, with the project's own bring-up scripts. */
export function startServices(): void {
  execFileSync("bash", ["scripts/up-redis.sh"], { cwd: ROOT, stdio: "ignore" });
  execFileSync("bash", ["scripts/up-postgres.sh"], { cwd: ROOT, stdio: "ignore" });
}
