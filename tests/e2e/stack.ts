import { execFileSync } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { createApp, createHttpServer } from "@patchbay/api";
import { type Config, loadConfig } from "@patchbay/config";
import type { JobEvent } from "@patchbay/core";
import { ApiKeyRepository, type ApiScope, createDb, type Db, ProjectRepository } from "@patchbay/db";
import { createKnowledgeBase } from "@patchbay/knowledge";
import { createRedis, JobQueue } from "@patchbay/queue";
import { type ModelScript, type ScriptedModelServer, startScriptedModelServer } from "@patchbay/testkit";
import { startWorker, type WorkerHandle } from "@patchbay/worker";
import pino from "pino";
import { expect } from "vitest";

const ROOT = path.resolve(import.meta.dirname, "../..");

/** The fetch of the runtime, without the stack's default key (for tests of missing keys). */
export const rawFetch: typeof fetch = globalThis.fetch.bind(globalThis);
const defaultKeys = new Map<string, string>();

// Requests to a stack's API carry that stack's key unless the test sets Authorization itself,
// so tests (and helpers) written before authentication keep working unchanged.
globalThis.fetch = (input: string | URL | Request, init?: RequestInit) => {
  const url = input instanceof Request ? input.url : String(input);
  const key = defaultKeys.get(new URL(url).origin);
  const headers = new Headers(init?.headers ?? (input instanceof Request ? input.headers : undefined));
  if (key && !headers.has("authorization")) headers.set("authorization", `Bearer ${key}`);
  return rawFetch(input, { ...init, headers });
};

/** Makes an API key in a project (created when missing); returns the plaintext key. */
export async function createKey(
  db: Db,
  projectId: string,
  scopes: ApiScope[] = ["jobs:read", "jobs:write"],
  options: { rateLimitPerMin?: number } = {},
): Promise<string> {
  return (await new ApiKeyRepository(db).create({ projectId, scopes, ...options })).key;
}

/** Deletes a project with its jobs (and their events), keys and secrets. */
export async function removeProject(db: Db, projectId: string): Promise<void> {
  await db.job.deleteMany({ where: { projectId } });
  await db.project.deleteMany({ where: { id: projectId } });
}

/** A whole Patchbay in this process: API, worker on its own queue, and the scripted model. */
export interface Stack {
  api: string;
  /** The stack's own project; its `key` (all scopes, high rate limit) is sent by default. */
  projectId: string;
  key: string;
  model: ScriptedModelServer;
  config: Config;
  db: Db;
  worker: WorkerHandle;
  close(): Promise<void>;
}

/** Starts the stack; `overrides` are configuration variables (e.g. OPENAI_BASE_URL). */
export async function startStack(
  scripts: Record<string, ModelScript>,
  overrides: Record<string, string> = {},
): Promise<Stack> {
  const model = await startScriptedModelServer({ scripts });
  const config = loadConfig({
    PATCHBAY_QUEUE: `e2e-${randomUUID()}`,
    OPENAI_BASE_URL: model.url,
    OPENAI_API_KEY: "sk-test-key-never-in-sandbox",
    PATCHBAY_MODEL_MAX_RETRIES: "0",
    LOG_LEVEL: "warn",
    PATCHBAY_ALLOW_FILE_REPOS: "true",
    PATCHBAY_SECRETS_KEY: randomBytes(32).toString("base64"),
    ...overrides,
  });
  const logger = pino({ level: config.LOG_LEVEL });
  const db = createDb(config.DATABASE_URL, { max: 4 });
  const redis = createRedis(config.REDIS_URL);
  const queue = new JobQueue(config.PATCHBAY_QUEUE, redis);
  const knowledge = createKnowledgeBase(config, { poolSize: 2 });
  const app = createApp({
    db,
    redis,
    queue,
    logger,
    events: { pollMs: 50 },
    access: {
      rateLimitPerMin: config.PATCHBAY_RATE_LIMIT_PER_MIN,
      projectMaxQueued: config.PATCHBAY_PROJECT_MAX_QUEUED,
      allowFileRepos: config.PATCHBAY_ALLOW_FILE_REPOS,
      allowPrivateRepos: config.PATCHBAY_ALLOW_PRIVATE_REPOS,
      unauthenticatedRateLimitPerMin: config.PATCHBAY_UNAUTHENTICATED_RATE_LIMIT_PER_MIN,
      sandboxMaxMemoryMb: config.PATCHBAY_SANDBOX_MAX_MEMORY_MB,
      sandboxMaxCpus: config.PATCHBAY_SANDBOX_MAX_CPUS,
    },
    ...(config.PATCHBAY_SECRETS_KEY ? { secretsKey: config.PATCHBAY_SECRETS_KEY } : {}),
    knowledge: knowledge.kb,
    maxDocumentBytes: config.PATCHBAY_KNOWLEDGE_MAX_DOC_BYTES,
    githubApiUrl: config.PATCHBAY_GITHUB_API_URL,
  });
  const server = createHttpServer(app, { maxHeaderBytes: config.PATCHBAY_MAX_HEADER_BYTES }).listen(0, "127.0.0.1");
  await new Promise((r) => server.once("listening", r));
  const projectId = `e2e-${randomUUID().slice(0, 8)}`;
  await new ProjectRepository(db).ensure(projectId);
  const key = await createKey(db, projectId, ["admin"], { rateLimitPerMin: 1_000_000 });
  const worker = await startWorker(config, logger);
  const api = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  defaultKeys.set(api, key);
  const close = async () => {
    defaultKeys.delete(api);
    await worker.close();
    server.close();
    server.closeAllConnections();
    await queue.queue.obliterate({ force: true });
    await queue.close();
    redis.disconnect();
    await model.close();
    await removeProject(db, projectId);
    removeProjectEnvironments(projectId);
    await knowledge.close();
    await db.$disconnect();
  };
  return { api, projectId, key, model, config, db, worker, close };
}

/** Removes the environment images and dependency cache a test project's jobs built. */
export function removeProjectEnvironments(projectId: string): void {
  const label = `label=patchbay.project=${projectId}`;
  const list = (...args: string[]) => execFileSync("docker", args, { encoding: "utf8" }).split("\n").filter(Boolean);
  const images = [...new Set(list("images", "-q", "--filter", label))];
  if (images.length > 0) execFileSync("docker", ["rmi", "-f", ...images], { stdio: "ignore" });
  for (const dir of projectCacheDirs(projectId)) rmSync(dir, { recursive: true, force: true });
}

/** A project's dependency-cache folders on this host (one per installation; the worker names them `<installation>-<project>`). */
export function projectCacheDirs(projectId: string): string[] {
  const root = path.join(loadConfig().PATCHBAY_WORK_DIR, "caches");
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .filter((name) => name.endsWith(`-${projectId}`))
    .map((name) => path.join(root, name));
}

/** A git repository made from a folder of examples/ (or a tests fixture), in a temp dir. */
export function fixtureRepo(relativeDir = "examples/demo-repo"): {
  dir: string;
  url: string;
  head: string;
  remove(): void;
} {
  const dir = mkdtempSync(path.join(tmpdir(), "patchbay-e2e-repo-"));
  cpSync(path.join(ROOT, relativeDir), dir, { recursive: true });
  const git = (...args: string[]) => execFileSync("git", args, { cwd: dir, encoding: "utf8" }).trim();
  git("init", "-q", "-b", "main");
  git("add", "-A");
  git("-c", "user.name=t", "-c", "user.email=t@localhost", "commit", "-qm", "fixture");
  return {
    dir,
    url: `file://${dir}`,
    head: git("rev-parse", "HEAD"),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Loads a scripted-model script from examples/scripts. */
export async function exampleScript(name: string): Promise<ModelScript> {
  const { readFile } = await import("node:fs/promises");
  return JSON.parse(await readFile(path.join(ROOT, "examples/scripts", `${name}.json`), "utf8")) as ModelScript;
}

/** Submits a job spec over HTTP (with `key`, else the stack's key); returns the response status and body. */
export async function submit(api: string, spec: unknown, key?: string): Promise<{ status: number; job: JobJson }> {
  const res = await fetch(`${api}/v1/jobs`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body: JSON.stringify(spec),
  });
  return { status: res.status, job: (await res.json()) as JobJson };
}

export interface JobJson {
  id: string;
  status: string;
  phase: string | null;
  workerId: string | null;
  error: { code: string; message: string; retryable: boolean } | null;
  result: {
    summary: string | null;
    patchStats: { files: number; insertions: number; deletions: number };
    checks: { passed: boolean; before: Array<{ passed: boolean }>; after: Array<{ passed: boolean }> };
    usage: { turns: number; inputTokens: number };
  } | null;
}

/** Reads the SSE stream to its end (the job finished) and returns the events. */
export async function streamEvents(api: string, id: string, key?: string): Promise<JobEvent[]> {
  const headers = key ? { authorization: `Bearer ${key}` } : undefined;
  const text = await (await fetch(`${api}/v1/jobs/${id}/events`, { headers })).text();
  return text
    .split("\n\n")
    .map((block) => block.split("\n").find((l) => l.startsWith("data: ")))
    .filter((l): l is string => l !== undefined)
    .map((l) => JSON.parse(l.slice(6)) as JobEvent);
}

/** Polls the job until it is terminal (with `key`: another project's job). */
export async function waitTerminal(api: string, id: string, timeoutMs = 90_000, key?: string): Promise<JobJson> {
  const end = Date.now() + timeoutMs;
  const headers = key ? { authorization: `Bearer ${key}` } : undefined;
  for (;;) {
    const job = (await (await fetch(`${api}/v1/jobs/${id}`, { headers })).json()) as JobJson;
    if (["succeeded", "failed", "cancelled", "timed_out", "error"].includes(job.status)) return job;
    if (Date.now() > end) throw new Error(`job ${id} still ${job.status} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Waits for a finished job's containers to be gone: its status is written while they are removed
 * (they run nothing any more); a job that ended any other way has none left by its status.
 */
export async function containersGone(jobId: string): Promise<void> {
  // A plain loop, not expect.poll: callers include beforeAll hooks (best-of-N runs its job there).
  for (const end = Date.now() + 15_000; Date.now() < end && containersFor(jobId).length > 0; ) {
    await new Promise((r) => setTimeout(r, 100));
  }
  expect(containersFor(jobId)).toEqual([]);
}

/** Ids of containers labelled for the job (none once it failed, was cancelled or timed out). */
export function containersFor(jobId: string): string[] {
  // A container from the warm pool carries its job in its name (labels cannot change later).
  const byFilter = (filter: string) =>
    execFileSync("docker", ["ps", "-aq", "--filter", filter], { encoding: "utf8" }).split("\n").filter(Boolean);
  return [...new Set([...byFilter(`label=patchbay.job=${jobId}`), ...byFilter(`name=patchbay-job-${jobId}--`)])];
}
