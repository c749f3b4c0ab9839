import { execFileSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { connect, createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { loadConfig } from "@patchbay/config";
import { JobSpecSchema } from "@patchbay/core";
import { createDb, JobEventRepository, JobRepository, ProjectRepository, SecretRepository } from "@patchbay/db";
import { createRedis } from "@patchbay/queue";
import { DockerSandboxProvider } from "@patchbay/sandbox";
import { freePort, startScriptedModelServer } from "@patchbay/testkit";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PipelineDeps } from "./pipeline/job-run.js";
import { processJob } from "./process-job.js";
import { ProjectGate, ProjectSlots } from "./project-slots.js";
import { RunRegistry } from "./run-registry.js";
import { pipelineSettings } from "./settings.js";

const model = await startScriptedModelServer({
  scripts: {
    done: {
      turns: [{ output: [{ type: "message", role: "assistant", content: [{ type: "output_text", text: "done" }] }] }],
    },
  },
});
const config = loadConfig({ OPENAI_BASE_URL: model.url, OPENAI_API_KEY: "sk-test", PATCHBAY_MODEL_MAX_RETRIES: "0" });
const db = createDb(config.DATABASE_URL, { max: 2 });
// Nothing listens on port 1: every query through this client meets an unreachable database.
const downDb = createDb("postgresql://patchbay:patchbay@127.0.0.1:1/patchbay", { max: 1 });
const run = randomUUID().slice(0, 8);
const projectId = `outage-${run}`;
const jobs = new JobRepository(db);
const events = new JobEventRepository(db);
const sandboxes = new DockerSandboxProvider({
  installationId: `test-outage-${run}`,
  image: config.PATCHBAY_SANDBOX_IMAGE,
  pool: { size: 0 },
});
let repoDir: string;
let deps: PipelineDeps;

beforeAll(async () => {
  repoDir = mkdtempSync(path.join(tmpdir(), "patchbay-outage-"));
  writeFileSync(path.join(repoDir, "README.md"), "hello\n");
  const git = (...args: string[]) => execFileSync("git", args, { cwd: repoDir });
  git("init", "-q", "-b", "main");
  git("add", ".");
  git("-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m", "init");
  await new ProjectRepository(db).ensure(projectId);
  const workerId = `outage-${run}`;
  deps = {
    jobs,
    events,
    sandboxes,
    settings: await pipelineSettings({ ...config, PATCHBAY_ALLOW_FILE_REPOS: true }, workerId, sandboxes),
    logger: pino({ level: "silent" }),
    secrets: new SecretRepository(db, null),
  };
});

afterAll(async () => {
  await sandboxes.close();
  await db.job.deleteMany({ where: { projectId } });
  await db.project.delete({ where: { id: projectId } }).catch(() => undefined);
  await Promise.all([db.$disconnect(), downDb.$disconnect(), model.close()]);
  rmSync(repoDir, { recursive: true, force: true });
});

/** Forwards `port` to the real Postgres: the database "comes back" when this starts listening. */
async function forwardToPostgres(port: number): Promise<Server> {
  const target = new URL(config.DATABASE_URL);
  const server = createServer((client) => {
    const upstream = connect(Number(target.port || 5432), target.hostname);
    client.pipe(upstream).pipe(client);
    client.on("error", () => upstream.destroy());
    upstream.on("error", () => client.destroy());
  });
  await new Promise<void>((r) => server.listen(port, "127.0.0.1", () => r()));
  return server;
}

describe("a database outage in the middle of a job", () => {
  it("a delivery while the database is down waits it out (the project gate, then taking the job) and runs the job", async () => {
    const spec = JobSpecSchema.parse({ repo: { url: `file://${repoDir}` }, task: "say done", model: "script:done" });
    const { job } = await jobs.create({ id: randomUUID(), spec, queue: `test-outage-${run}`, projectId });
    const port = await freePort();
    const url = new URL(config.DATABASE_URL);
    url.host = `127.0.0.1:${port}`;
    const comingBack = createDb(url.toString(), { max: 2 });
    const redis = createRedis(config.REDIS_URL);
    const gate = new ProjectGate({
      jobs: new JobRepository(comingBack),
      projects: new ProjectRepository(comingBack),
      slots: new ProjectSlots(redis, 10_000),
      defaultLimit: 4,
      logger: pino({ level: "silent" }),
    });
    let forward: Server | undefined;
    try {
      const ran = gate.run(job.id, () =>
        processJob(job.id, { ...deps, jobs: new JobRepository(comingBack) }, new RunRegistry()),
      );
      await new Promise((r) => setTimeout(r, 1500));
      forward = await forwardToPostgres(port);
      expect(await ran).toBe("done");
      expect(await jobs.findById(job.id)).toMatchObject({ status: "succeeded", attempt: 1 });
    } finally {
      await comingBack.$disconnect();
      redis.disconnect();
      forward?.close();
    }
  });

  it("hands the job back to the queue instead of failing it, and the next attempt finishes it", async () => {
    const spec = JobSpecSchema.parse({ repo: { url: `file://${repoDir}` }, task: "say done", model: "script:done" });
    const { job } = await jobs.create({ id: randomUUID(), spec, queue: `test-outage-${run}`, projectId });

    // The project's secrets are read as the job starts: that read meets the outage.
    const outage = { ...deps, secrets: new SecretRepository(downDb, null) };
    expect(await processJob(job.id, outage, new RunRegistry())).toBe("handed_back");
    const back = await jobs.findById(job.id);
    expect(back).toMatchObject({ status: "queued", error: null });
    const said = (await events.listAfter(job.id, 0, 1000)).filter((e) => e.type === "status").at(-1);
    expect(JSON.stringify(said?.data)).toContain("the database was unreachable; the job goes back to the queue");

    expect(await processJob(job.id, deps, new RunRegistry())).toBe("done");
    expect(await jobs.findById(job.id)).toMatchObject({ status: "succeeded", attempt: 2 });
    expect(await sandboxes.destroyForJob(job.id)).toBe(0);
  });

  it("hands a job back a few times at most: an error that only looks like an outage cannot loop", async () => {
    const spec = JobSpecSchema.parse({ repo: { url: `file://${repoDir}` }, task: "say done", model: "script:done" });
    const { job } = await jobs.create({ id: randomUUID(), spec, queue: `test-outage-${run}`, projectId });
    // Four attempts before this one each met the outage.
    await db.job.update({ where: { id: job.id }, data: { attempt: 4 } });
    const outage = { ...deps, secrets: new SecretRepository(downDb, null) };
    expect(await processJob(job.id, outage, new RunRegistry())).toBe("done");
    expect(await jobs.findById(job.id)).toMatchObject({ status: "error", attempt: 5 });
  });
});
