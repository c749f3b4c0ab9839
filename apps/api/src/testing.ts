import { randomUUID } from "node:crypto";
import type { AddressInfo } from "node:net";
import { loadConfig } from "@patchbay/config";
import { createDb, type Db } from "@patchbay/db";
import { createRedis, JobQueue } from "@patchbay/queue";
import type { Redis } from "ioredis";
import pino from "pino";
import { type AppDeps, createApp } from "./app.js";

/** An API on a free loopback port with its own queue, for integration tests. */
export interface TestApi {
  base: string;
  db: Db;
  redis: Redis;
  queue: JobQueue;
  /** Stops the server, deletes the project's jobs and the project, drops the queue, disconnects. */
  close(): Promise<void>;
}

/** What a test may set: anything of AppDeps except the connections the harness makes. */
export type TestApiOptions = Partial<Omit<AppDeps, "db" | "redis" | "queue">> & {
  /** The project whose rows `close` deletes. */
  projectId: string;
  /** Runs before the app is made (keys, secrets, projects). */
  prepare?: (db: Db) => Promise<void>;
};

/** Starts the API against real Postgres and Redis (the configured URLs) with a unique queue. */
export async function startTestApi(options: TestApiOptions): Promise<TestApi> {
  const { projectId, prepare, ...deps } = options;
  const config = loadConfig();
  const db = createDb(config.DATABASE_URL, { max: 4 });
  const redis = createRedis(config.REDIS_URL);
  const queue = new JobQueue(`test-api-${randomUUID()}`, redis);
  await prepare?.(db);
  const app = createApp({ logger: pino({ level: "silent" }), ...deps, db, redis, queue });
  const server = app.listen(0, "127.0.0.1");
  await new Promise((r) => server.once("listening", r));
  const close = async () => {
    server.close();
    server.closeAllConnections();
    await db.job.deleteMany({ where: { projectId } });
    await db.project.deleteMany({ where: { id: projectId } });
    await queue.queue.obliterate({ force: true });
    await queue.close();
    redis.disconnect();
    await db.$disconnect();
  };
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, db, redis, queue, close };
}
