import { randomUUID } from "node:crypto";
import type { AddressInfo } from "node:net";
import { createApp } from "@patchbay/api";
import { loadConfig } from "@patchbay/config";
import { JobSpecSchema } from "@patchbay/core";
import {
  ApiKeyRepository,
  createDb,
  JobRepository,
  ProjectRepository,
  ScheduleRepository,
  SourceRepository,
} from "@patchbay/db";
import { SubmitAdmission } from "@patchbay/jobs";
import { createRedis, JobQueue, ScheduleQueue } from "@patchbay/queue";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runScheduleTick, type ScheduleRunnerDeps } from "../../apps/worker/src/schedules.js";

// Schedules used to be admitted once, when created: turning PATCHBAY_ALLOW_FILE_REPOS off did not
// stop them, and a schedule could name (and so keep alive) another project's uploaded source.
const config = loadConfig();
const db = createDb(config.DATABASE_URL, { max: 4 });
const redis = createRedis(config.REDIS_URL);
const queueName = `adv-sched-${randomUUID()}`;
const queue = new JobQueue(queueName, redis);
const scheduleQueue = new ScheduleQueue(queueName, redis);
const tag = randomUUID().slice(0, 8);
const [mine, victim] = [`adv-sched-a-${tag}`, `adv-sched-b-${tag}`];
const schedules = new ScheduleRepository(db);
const sources = new SourceRepository(db);
const projects = new ProjectRepository(db);
const logger = pino({ level: "silent" });
let base = "";
let key = "";
let close = () => {};

/** The worker's tick dependencies under a given policy (what the configuration says at tick time). */
const tickDeps = (allowFileRepos: boolean): ScheduleRunnerDeps => ({
  schedules,
  jobs: new JobRepository(db),
  queue,
  scheduleQueue,
  admission: new SubmitAdmission({ projects, sources }, { allowFileRepos, defaultMaxQueued: 100 }),
  logger,
});

async function schedule(projectId: string, spec: Record<string, unknown>): Promise<string> {
  const id = randomUUID();
  const parsed = JobSpecSchema.parse({ task: "nightly", model: "script:none", ...spec });
  await schedules.create({ id, projectId, name: null, cron: null, everyMs: 60_000, timezone: null, spec: parsed });
  return id;
}

async function api(path: string, body: unknown) {
  const res = await fetch(`${base}${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as { error?: { message: string; details?: unknown } } };
}

const jobsOf = (projectId: string) => db.job.count({ where: { projectId } });

beforeAll(async () => {
  for (const p of [mine, victim]) await projects.ensure(p);
  key = (await new ApiKeyRepository(db).create({ projectId: mine, scopes: ["jobs:read", "jobs:write"] })).key;
  const app = createApp({ db, redis, queue, logger, access: { allowFileRepos: true } });
  const server = app.listen(0, "127.0.0.1");
  await new Promise((r) => server.once("listening", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  close = () => server.close();
});

afterAll(async () => {
  close();
  await db.job.deleteMany({ where: { projectId: { in: [mine, victim] } } });
  await db.project.deleteMany({ where: { id: { in: [mine, victim] } } });
  await queue.queue.obliterate({ force: true });
  await scheduleQueue.queue.obliterate({ force: true });
  await Promise.all([queue.close(), scheduleQueue.close()]);
  redis.disconnect();
  await db.$disconnect();
});

describe("schedules are admitted when they fire", () => {
  it("a file:// schedule makes no job once file repositories are turned off, and says why", async () => {
    const id = await schedule(mine, { repo: { url: "file:///srv/repos/app.git" } });
    const before = await jobsOf(mine);
    const outcome = await runScheduleTick(id, tickDeps(false));
    expect(outcome).toMatchObject({ kind: "refused", code: "invalid_request" });
    expect(await jobsOf(mine)).toBe(before);
    const after = await schedules.find(mine, id);
    expect(after?.skippedRuns).toBe(1);
    expect(after?.lastError?.message).toContain("PATCHBAY_ALLOW_FILE_REPOS");
    // With file repositories allowed the same schedule runs, and the refusal is cleared.
    expect(await runScheduleTick(id, tickDeps(true))).toMatchObject({ kind: "created" });
    expect((await schedules.find(mine, id))?.lastError).toBeNull();
  });

  it("a schedule cannot run (or be made, or submit) with another project's uploaded source", async () => {
    const theirs = randomUUID();
    const bundle = { projectId: victim, bytes: 3, sha256: "x", heads: [], data: Buffer.from("abc") };
    await sources.create({ id: theirs, ...bundle });
    const spec = { repo: { url: "https://git.example.com/victim/app.git", source: theirs } };
    const id = await schedule(mine, spec);
    const outcome = await runScheduleTick(id, tickDeps(true));
    expect(outcome).toMatchObject({ kind: "refused", code: "invalid_request" });
    expect((await schedules.find(mine, id))?.lastError?.message).toContain(`no source ${theirs}`);
    expect(await db.job.count({ where: { projectId: mine, spec: { path: ["repo", "source"], equals: theirs } } })).toBe(
      0,
    );

    const viaApi = await api("/v1/schedules", { everyMs: 60_000, spec: { ...spec, task: "t", model: "script:none" } });
    expect(viaApi.status).toBe(400);
    expect(viaApi.json.error?.details).toEqual([{ path: "repo.source", message: expect.stringContaining(theirs) }]);
    const submit = await api("/v1/jobs", { ...spec, task: "t", model: "script:none" });
    expect(submit.status).toBe(400);
  });

  it("a full project queue refuses the tick like a submit", async () => {
    await projects.setLimits(victim, { maxQueuedJobs: 1 });
    const id = await schedule(victim, { repo: { url: "https://git.example.com/victim/app.git" } });
    await db.schedule.update({ where: { id }, data: { allowOverlap: true } });
    expect(await runScheduleTick(id, tickDeps(false))).toMatchObject({ kind: "created" });
    expect(await runScheduleTick(id, tickDeps(false))).toMatchObject({ kind: "refused", code: "rate_limited" });
    expect(await jobsOf(victim)).toBe(1);
  });
});
