import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { existsSync, openSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { type Config, loadConfig } from "@patchbay/config";
import { type JobEvent, type JobSpecInput, JobSpecSchema } from "@patchbay/core";
import { createDb, type Db, JobEventRepository, JobRepository } from "@patchbay/db";
import { createRedis, JobQueue } from "@patchbay/queue";
import { freePort, type ModelScript, type ScriptedModelServer, startScriptedModelServer } from "@patchbay/testkit";
import type { Redis } from "ioredis";

const ROOT = path.resolve(import.meta.dirname, "../..");

/** Worker processes (real OS processes, so they can be SIGKILLed) on one queue. */
export class WorkerCluster {
  readonly queueName = `chaos-${randomUUID()}`;
  readonly config: Config;
  readonly db: Db;
  readonly redis: Redis;
  readonly queue: JobQueue;
  private readonly procs = new Map<string, ChildProcess>();

  private constructor(
    readonly model: ScriptedModelServer,
    readonly lockMs: number,
  ) {
    this.config = loadConfig({ PATCHBAY_QUEUE: this.queueName, OPENAI_BASE_URL: model.url });
    this.db = createDb(this.config.DATABASE_URL, { max: 4 });
    this.redis = createRedis(this.config.REDIS_URL);
    this.queue = new JobQueue(this.queueName, this.redis);
  }

  /** Starts the scripted model; workers are started with `start`. */
  static async create(scripts: Record<string, ModelScript>, lockMs = 3000): Promise<WorkerCluster> {
    return new WorkerCluster(await startScriptedModelServer({ scripts }), lockMs);
  }

  /** Starts (or restarts) the worker process with this id; `env` adds configuration. */
  start(id: string, extra: Record<string, string> = {}): void {
    const env = {
      PATH: this.config.PATH,
      HOME: "/tmp",
      DATABASE_URL: this.config.DATABASE_URL,
      REDIS_URL: this.config.REDIS_URL,
      PATCHBAY_QUEUE: this.queueName,
      PATCHBAY_WORKER_ID: id,
      PATCHBAY_WORKER_CONCURRENCY: "2",
      PATCHBAY_WORKER_LOCK_MS: String(this.lockMs),
      OPENAI_BASE_URL: this.model.url,
      OPENAI_API_KEY: "sk-chaos",
      PATCHBAY_MODEL_MAX_RETRIES: "0",
      LOG_LEVEL: "warn",
      ...extra,
    };
    this.spawn(id, "apps/worker/src/main.ts", env);
  }

  /** Starts an API process on this cluster's queue, on a free loopback port; returns its URL. */
  async startApi(id: string): Promise<string> {
    const port = await freePort();
    this.spawn(id, "apps/api/src/main.ts", {
      PATH: this.config.PATH,
      HOME: "/tmp",
      DATABASE_URL: this.config.DATABASE_URL,
      REDIS_URL: this.config.REDIS_URL,
      PATCHBAY_QUEUE: this.queueName,
      PATCHBAY_API_HOST: "127.0.0.1",
      PATCHBAY_API_PORT: String(port),
      LOG_LEVEL: "warn",
    });
    return `http://127.0.0.1:${port}`;
  }

  private spawn(id: string, entry: string, env: Record<string, string>): void {
    // Each process logs to a file of its own: the first place to look when a chaos test fails.
    const logFile = openSync(this.logPath(id), "a");
    const child = spawn(process.execPath, ["--import", "tsx", entry], {
      cwd: ROOT,
      env,
      stdio: ["ignore", logFile, logFile],
    });
    this.procs.set(id, child);
  }

  /** Where the process with this id logs (removed by close). */
  logPath(id: string): string {
    return path.join(tmpdir(), `patchbay-${this.queueName}-${id}.log`);
  }

  /** The last lines each process logged, for a failed test's report (the files go with `close`). */
  logTails(lines = 60): string {
    return [...this.procs.keys()]
      .map((id) => {
        const file = this.logPath(id);
        const text = existsSync(file) ? readFileSync(file, "utf8").split("\n").slice(-lines).join("\n") : "";
        return `--- ${id} (${this.procs.get(id)?.exitCode ?? this.procs.get(id)?.signalCode ?? "running"}) ---\n${text}`;
      })
      .join("\n");
  }

  /** Whether the process with this id is still running. */
  alive(id: string): boolean {
    const child = this.procs.get(id);
    return child !== undefined && child.exitCode === null && child.signalCode === null;
  }

  /** Kills the worker process at once (no shutdown hooks run). */
  kill(id: string, signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
    const child = this.procs.get(id);
    if (!child || child.exitCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      child.once("exit", () => resolve());
      child.kill(signal);
    });
  }

  /** Stores and enqueues a job on this cluster's queue, as the API does; returns its id. */
  async submit(input: JobSpecInput): Promise<string> {
    const spec = JobSpecSchema.parse(input);
    const { job } = await new JobRepository(this.db).create({ id: randomUUID(), spec, queue: this.queueName });
    await this.queue.enqueue({ jobId: job.id });
    return job.id;
  }

  /** All events of a job, oldest first. */
  async events(jobId: string): Promise<JobEvent[]> {
    return new JobEventRepository(this.db).listAfter(jobId, 0, 100_000);
  }

  /** Stops every worker and closes connections. */
  async close(): Promise<void> {
    await Promise.all([...this.procs.keys()].map((id) => this.kill(id, "SIGTERM")));
    await this.queue.queue.obliterate({ force: true }).catch(() => undefined);
    await this.queue.close();
    this.redis.disconnect();
    await this.model.close();
    await this.db.$disconnect();
    for (const id of this.procs.keys()) rmSync(this.logPath(id), { force: true });
  }
}
