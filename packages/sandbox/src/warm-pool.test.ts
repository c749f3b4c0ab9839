import type Dockerode from "dockerode";
import { describe, expect, it } from "vitest";
import type { FileServerLink } from "./file-server.js";
import type { ShellPool } from "./shell-pool.js";
import { type PooledContainer, WarmPool } from "./warm-pool.js";

/** A pool whose container starts are settled by the test, recording what was removed. */
function controlledPool() {
  const starts: Array<(p: PooledContainer) => void> = [];
  const removed: string[] = [];
  const pool = new WarmPool(
    { size: 1, maxIdleMs: 60_000 },
    {
      start: () => new Promise<PooledContainer>((resolve) => starts.push(resolve)),
      remove: async (container) => removed.push(container.id),
      onError: () => {},
    },
  );
  const started = () => starts.length;
  const finishStart = (id: string) =>
    starts.shift()?.({
      container: { id } as Dockerode.Container,
      suffix: id,
      startedAt: Date.now(),
      shells: {} as ShellPool,
      files: {} as FileServerLink,
      cpus: 1,
    });
  return { pool, removed, finishStart, started };
}

describe("WarmPool.close", () => {
  it("waits for a container still starting and removes it, so none outlives the pool", async () => {
    const { pool, removed, finishStart } = controlledPool();
    let closed = false;
    const closing = pool.close().then(() => {
      closed = true;
    });
    await new Promise((r) => setTimeout(r, 10));
    // The engine has not answered yet: a worker that exited now would leak the container.
    expect(closed).toBe(false);
    finishStart("c1");
    await closing;
    expect(removed).toEqual(["c1"]);
  });
});

describe("WarmPool.hold", () => {
  it("starts no container while held, and refills once released", async () => {
    const { pool, finishStart, started } = controlledPool();
    finishStart("c1");
    await pool.filled(1000);
    const release = pool.hold();
    expect(pool.take()?.suffix).toBe("c1");
    await new Promise((r) => setTimeout(r, 10));
    expect(started()).toBe(0);
    release();
    release();
    expect(started()).toBe(1);
    finishStart("c2");
    await pool.filled(1000);
    expect(pool.ready).toBe(1);
    await pool.close();
  });

  it("lets go by itself after its time, so a forgotten hold never empties the pool for good", async () => {
    const { pool, finishStart, started } = controlledPool();
    finishStart("c1");
    await pool.filled(1000);
    pool.hold(20);
    pool.take();
    expect(started()).toBe(0);
    await new Promise((r) => setTimeout(r, 60));
    expect(started()).toBe(1);
    finishStart("c2");
    await pool.close();
  });

  it("refills despite a hold once a take found it empty, and holds again once it is full", async () => {
    const { pool, finishStart, started } = controlledPool();
    finishStart("c1");
    await pool.filled(1000);
    const release = pool.hold();
    pool.take();
    await new Promise((r) => setTimeout(r, 10));
    expect(started()).toBe(0);
    // A second job comes while the first holds: it starts cold, and the pool must not stay empty.
    expect(pool.take()).toBeUndefined();
    expect(started()).toBe(1);
    finishStart("c2");
    await pool.filled(1000);
    pool.take();
    await new Promise((r) => setTimeout(r, 10));
    expect(started()).toBe(0);
    release();
    expect(started()).toBe(1);
    finishStart("c3");
    await pool.close();
  });

  it("counts one holder's holds once, and refills while two holders hold at once", async () => {
    const { pool, finishStart, started } = controlledPool();
    finishStart("c1");
    await pool.filled(1000);
    // One job's environment hold inside its own: still held after the inner one is released.
    const job = pool.hold(60_000, "job-a");
    const setup = pool.hold(60_000, "job-a");
    pool.take();
    setup();
    await new Promise((r) => setTimeout(r, 10));
    expect(started()).toBe(0);
    // A second job at the same time: the pool refills for the next one, as without holds.
    const other = pool.hold(60_000, "job-b");
    expect(started()).toBe(1);
    finishStart("c2");
    other();
    job();
    await pool.close();
  });
});
