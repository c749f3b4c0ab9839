/**
 * The stack of `npm run bench -- load` and `-- growth`: the API and one worker each in a process of
 * its own (so their memory is theirs alone), the scripted model server and the clients in this one.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import path from "node:path";
import { loadConfig } from "@patchbay/config";
import { createDb, type Db, ProjectRepository } from "@patchbay/db";
import { createRedis, JobQueue } from "@patchbay/queue";
import { freePort, type ModelScript, type ScriptedModelServer, startScriptedModelServer } from "@patchbay/testkit";
import { createKey, rawFetch, removeProject, removeProjectEnvironments } from "../tests/e2e/stack.js";

const ROOT = path.resolve(import.meta.dirname, "..");
const TERMINAL = new Set(["succeeded", "failed", "cancelled", "timed_out", "error"]);

/** A job as the API returns it (the fields the benchmarks read). */
export interface JobRow {
  id: string;
  status: string;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  error: { code: string; message: string } | null;
}

/** The running stack. */
export interface LoadStack {
  api: string;
  key: string;
  projectId: string;
  apiPid: number;
  workerPid: number;
  model: ScriptedModelServer;
  db: Db;
  /** GET/POST with the project's key; JSON body when given. */
  call(method: string, pathname: string, body?: unknown): Promise<Response>;
  /** Submits a spec; returns the job id. */
  submit(spec: Record<string, unknown>): Promise<string>;
  /** Polls until every id is terminal; returns the rows. */
  waitAll(ids: string[], timeoutMs: number): Promise<JobRow[]>;
  /** Stops the worker (jobs submitted later stay queued). */
  stopWorker(): Promise<void>;
  close(): Promise<void>;
}

/** Options of the stack. */
export interface LoadStackOptions {
  scripts: Record<string, ModelScript>;
  /** PATCHBAY_WORKER_CONCURRENCY (and the project's running-jobs limit). */
  concurrency: number;
  /** More configuration for both processes. */
  env?: Record<string, string>;
  /** Extra node flags for the API process (e.g. `--cpu-prof`). */
  apiNodeArgs?: string[];
}

function child(entry: string, env: NodeJS.ProcessEnv, label: string, nodeArgs: string[] = []): ChildProcess {
  const proc = spawn(process.execPath, [...nodeArgs, "--import", "tsx", entry], {
    cwd: ROOT,
    env,
    stdio: ["ignore", "ignore", "pipe"],
  });
  proc.stderr?.on("data", (chunk: Buffer) => process.stderr.write(`[${label}] ${chunk}`));
  return proc;
}

async function stopChild(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise((r) => proc.once("exit", r));
  proc.kill("SIGTERM");
  const timer = setTimeout(() => proc.kill("SIGKILL"), 60_000);
  await exited;
  clearTimeout(timer);
}

/** Starts the model server, the API and one worker; makes a project with a key. */
export async function startLoadStack(options: LoadStackOptions): Promise<LoadStack> {
  const model = await startScriptedModelServer({ scripts: options.scripts });
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PATCHBAY_QUEUE: `bench-${randomUUID()}`,
    PATCHBAY_API_PORT: String(port),
    PATCHBAY_API_HOST: "127.0.0.1",
    OPENAI_BASE_URL: model.url,
    OPENAI_API_KEY: "sk-bench-never-in-sandbox",
    PATCHBAY_MODEL_MAX_RETRIES: "0",
    LOG_LEVEL: "warn",
    PATCHBAY_ALLOW_FILE_REPOS: "true",
    PATCHBAY_SECRETS_KEY: randomBytes(32).toString("base64"),
    PATCHBAY_WORKER_CONCURRENCY: String(options.concurrency),
    PATCHBAY_PROJECT_MAX_RUNNING: String(options.concurrency),
    PATCHBAY_PROJECT_MAX_QUEUED: "100000",
    ...options.env,
  };
  const config = loadConfig(env);
  const db = createDb(config.DATABASE_URL, { max: 4 });
  const projectId = `bench-load-${randomBytes(3).toString("hex")}`;
  await new ProjectRepository(db).ensure(projectId);
  const key = await createKey(db, projectId, ["admin"], { rateLimitPerMin: 100_000_000 });
  const apiProc = child("apps/api/src/main.ts", env, "api", options.apiNodeArgs);
  const workerProc = child("apps/worker/src/main.ts", env, "worker");
  const api = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    const ok = await rawFetch(`${api}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (i > 600) throw new Error("the API did not start");
    await new Promise((r) => setTimeout(r, 100));
  }
  const call = (method: string, pathname: string, body?: unknown) =>
    rawFetch(`${api}${pathname}`, {
      method,
      headers: {
        authorization: `Bearer ${key}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  const submit = async (spec: Record<string, unknown>) => {
    const res = await call("POST", "/v1/jobs", spec);
    const job = (await res.json()) as { id: string };
    if (res.status !== 202) throw new Error(`submit answered ${res.status}: ${JSON.stringify(job)}`);
    return job.id;
  };
  const waitAll = async (ids: string[], timeoutMs: number) => {
    const end = Date.now() + timeoutMs;
    const done = new Map<string, JobRow>();
    while (done.size < ids.length) {
      for (const id of ids) {
        if (done.has(id)) continue;
        const job = (await (await call("GET", `/v1/jobs/${id}`)).json()) as JobRow;
        if (TERMINAL.has(job.status)) done.set(id, job);
      }
      if (done.size === ids.length) break;
      if (Date.now() > end) throw new Error(`${ids.length - done.size} jobs not finished after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 500));
    }
    return ids.map((id) => done.get(id)!);
  };
  const close = async () => {
    await Promise.all([stopChild(apiProc), stopChild(workerProc)]);
    const redis = createRedis(config.REDIS_URL);
    const queue = new JobQueue(config.PATCHBAY_QUEUE, redis);
    await queue.queue.obliterate({ force: true });
    await queue.close();
    redis.disconnect();
    await model.close();
    await removeProject(db, projectId);
    removeProjectEnvironments(projectId);
    await db.$disconnect();
  };
  return {
    api,
    key,
    projectId,
    apiPid: apiProc.pid!,
    workerPid: workerProc.pid!,
    model,
    db,
    call,
    submit,
    waitAll,
    stopWorker: () => stopChild(workerProc),
    close,
  };
}

/** Resident memory of a process in MB (from /proc). */
export function rssMb(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, "utf8")
    .split("\n")
    .find((l) => l.startsWith("VmRSS:"));
  return line ? Math.round((Number(line.split(/\s+/)[1]) / 1024) * 10) / 10 : 0;
}

/** CPU time (user + system) a process has used so far, in ms (from /proc, in 10 ms clock ticks). */
export function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** Samples a process's RSS every `everyMs` until stopped. */
export class MemorySampler {
  readonly samples: Array<{ t: number; mb: number }> = [];
  private readonly timer: NodeJS.Timeout;
  private readonly started = Date.now();

  constructor(
    private readonly pid: number,
    everyMs = 1000,
  ) {
    this.take();
    this.timer = setInterval(() => this.take(), everyMs);
  }

  private take(): void {
    try {
      this.samples.push({ t: Date.now() - this.started, mb: rssMb(this.pid) });
    } catch {
      // The process has exited.
    }
  }

  /** Stops sampling; first, last and peak RSS. */
  stop(): { firstMb: number; lastMb: number; peakMb: number; samples: number } {
    clearInterval(this.timer);
    this.take();
    const mbs = this.samples.map((s) => s.mb);
    return { firstMb: mbs[0] ?? 0, lastMb: mbs.at(-1) ?? 0, peakMb: Math.max(...mbs), samples: mbs.length };
  }
}

/** The 1/5/15-minute load average, rounded. */
export function load(): number[] {
  return loadavg().map((x) => Math.round(x * 100) / 100);
}

/** A trivial repository (a README and one file) committed in a temp dir; `files` extra small files. */
export function trivialRepo(files = 0): { url: string; remove(): void } {
  const dir = mkdtempSync(path.join(tmpdir(), "patchbay-bench-load-"));
  writeFileSync(path.join(dir, "README.md"), "# bench\n");
  if (files > 0) {
    execFileSync("bash", ["-c", `mkdir -p f && for i in $(seq 1 ${files}); do echo "line $i" > f/file$i.txt; done`], {
      cwd: dir,
    });
  }
  const git = (...args: string[]) => execFileSync("git", args, { cwd: dir, stdio: "ignore" });
  git("init", "-q", "-b", "main");
  git("add", "-A");
  git("-c", "user.name=t", "-c", "user.email=t@localhost", "commit", "-qm", "fixture");
  return { url: `file://${dir}`, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** p50/p95/p99 (nearest rank) of milliseconds, rounded to 0.1 ms. */
export function percentiles(samples: number[]): { n: number; p50: number; p95: number; p99: number; max: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? 0;
  const r = (x: number) => Math.round(x * 10) / 10;
  return { n: sorted.length, p50: r(at(0.5)), p95: r(at(0.95)), p99: r(at(0.99)), max: r(at(1)) };
}

/** Writes `bench/results/<name>-<time>.json` (or rewrites `file`); returns its path. */
export function writeResult(name: string, result: unknown, file: string | null = null): string {
  file ??= path.join(ROOT, "bench/results", `${name}-${new Date().toISOString().replace(/[:.]/g, "-")}.json`);
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  return file;
}

/** `--name=value` flags as numbers, with defaults. */
export function flags(defaults: Record<string, number>): Record<string, number> {
  const out = { ...defaults };
  for (const arg of process.argv.slice(2)) {
    const m = /^--([a-z-]+)=(\d+(?:\.\d+)?)$/.exec(arg);
    if (!m || !(m[1]! in defaults))
      throw new Error(`unknown argument ${arg}; flags: ${Object.keys(defaults).join(", ")}`);
    out[m[1]!] = Number(m[2]);
  }
  return out;
}
