import { afterAll, describe, expect, it } from "vitest";
import { reapSandboxes } from "./reaper.js";
import { testProvider, uniqueJobId } from "./test-support.js";

const provider = testProvider({ pool: { size: 2 } });
const other = testProvider({ pool: { size: 1 } });
const jobs = [uniqueJobId("pool-a"), uniqueJobId("pool-b"), uniqueJobId("pool-c")];

afterAll(async () => {
  await provider.close();
  await other.close();
  for (const job of jobs) await provider.destroyForJob(job);
  const left = (await provider.list()).filter((c) => jobs.includes(c.jobId) || c.poolId === provider.poolId);
  expect(left).toEqual([]);
});

describe("warm pool", () => {
  it("hands out started containers once, refills, and finds them by job afterwards", async () => {
    const pool = provider.warmUp();
    await pool?.filled();
    const [a, b] = [await provider.create({ jobId: jobs[0] ?? "" }), await provider.create({ jobId: jobs[1] ?? "" })];
    expect([a.pooled, b.pooled]).toEqual([true, true]);
    expect(a.id).not.toBe(b.id);
    expect((await a.exec("echo warm; id -u")).stdout).toBe("warm\n1000\n");
    const listed = await provider.list();
    expect(listed.find((c) => c.id === a.id)).toMatchObject({ jobId: jobs[0], idle: false, poolId: provider.poolId });

    await pool?.filled();
    const idle = listed.filter((c) => c.poolId === provider.poolId && c.idle).map((c) => c.id);
    expect(idle).not.toContain(a.id);
    expect(await provider.destroyForJob(jobs[0] ?? "")).toBe(1);
    await b.destroy();
    // A used container is never handed out again: the next one is new.
    const c = await provider.create({ jobId: jobs[2] ?? "" });
    expect(c.pooled).toBe(true);
    expect([a.id, b.id]).not.toContain(c.id);
    await c.destroy();
  });

  it("creates a cold container when the request does not match the pool", async () => {
    const cold = await provider.create({ jobId: jobs[1] ?? "", memoryMb: 300 });
    expect(cold.pooled).toBe(false);
    await cold.destroy();
  });

  it("removes its idle containers on close", async () => {
    const pool = other.warmUp();
    await pool?.filled();
    expect((await other.list()).filter((c) => c.poolId === other.poolId)).toHaveLength(1);
    await other.close();
    expect((await other.list()).filter((c) => c.poolId === other.poolId)).toHaveLength(0);
  });
});

describe("reapSandboxes", () => {
  it("removes containers of finished, unknown and overdue jobs, and orphaned pools, and nothing else", async () => {
    const [finished, overdue, running] = jobs;
    const boxes = await Promise.all(
      [finished, overdue, running, "test-unknown-job"].map((jobId) => provider.create({ jobId: `${jobId}` })),
    );
    const stranger = testProvider({ pool: { size: 1 } });
    await stranger.warmUp()?.filled();
    const lookups: Record<string, { finished: boolean; deadline?: Date } | null> = {
      [`${finished}`]: { finished: true },
      [`${overdue}`]: { finished: false, deadline: new Date(Date.now() - 120_000) },
      [`${running}`]: { finished: false, deadline: new Date(Date.now() + 120_000) },
    };
    const mine = new Set([...boxes.map((b) => b.id)]);
    // Other tests share the engine: the reaper sees only this test's containers (and the stranger's pool).
    const scoped = {
      poolId: provider.poolId,
      installationId: provider.installationId,
      list: async () => (await provider.list()).filter((c) => mine.has(c.id) || c.poolId === stranger.poolId),
      remove: (id: string) => provider.remove(id),
    };
    const reaped = await reapSandboxes(scoped, {
      lookupJob: async (jobId) => (jobId in lookups ? (lookups[jobId] ?? null) : null),
      unknownGraceMs: 0,
      orphanPoolAgeMs: 0,
    });
    const why = Object.fromEntries(reaped.filter((r) => mine.has(r.id)).map((r) => [r.jobId, r.why]));
    expect(why).toEqual({
      [`${finished}`]: "job_finished",
      [`${overdue}`]: "past_deadline",
      "test-unknown-job": "job_unknown",
    });
    expect(reaped.filter((r) => r.why === "orphaned_pool")).toHaveLength(1);
    expect((await stranger.list()).filter((c) => c.poolId === stranger.poolId)).toHaveLength(0);
    expect((await boxes[2]?.exec("echo kept"))?.stdout).toBe("kept\n");
    await stranger.close();
    for (const b of boxes) await b.destroy();
  });

  it("removes a young idle pool left by an earlier run of the same worker, and spares other workers' pools", async () => {
    const workerId = `reaper-test-${process.pid}-${Date.now()}`;
    const before = testProvider({ pool: { size: 1 }, defaults: { workerId } });
    const otherWorker = testProvider({ pool: { size: 1 }, defaults: { workerId: `${workerId}-other` } });
    // The worker is restarted: same id, new provider and pool; the old pool was never closed.
    const after = testProvider({ pool: { size: 0 }, defaults: { workerId } });
    try {
      await Promise.all([before.warmUp()?.filled(), otherWorker.warmUp()?.filled()]);
      const pools = new Set([before.poolId, otherWorker.poolId]);
      const scoped = {
        poolId: after.poolId,
        installationId: after.installationId,
        list: async () => (await after.list()).filter((c) => c.poolId !== null && pools.has(c.poolId)),
        remove: (id: string) => after.remove(id),
      };
      const reaped = await reapSandboxes(scoped, { lookupJob: async () => null, workerId });
      expect(reaped.map((r) => r.why)).toEqual(["orphaned_pool"]);
      expect((await after.list()).filter((c) => c.poolId === before.poolId)).toHaveLength(0);
      expect((await after.list()).filter((c) => c.poolId === otherWorker.poolId)).toHaveLength(1);
    } finally {
      await Promise.all([before.close(), otherWorker.close(), after.close()]);
    }
  });
});
