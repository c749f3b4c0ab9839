import type Dockerode from "dockerode";
import { describe, expect, it } from "vitest";
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
  const finishStart = (id: string) =>
    starts.shift()?.({
      container: { id } as Dockerode.Container,
      suffix: id,
      startedAt: Date.now(),
      shells: {} as ShellPool,
      cpus: 1,
    });
  return { pool, removed, finishStart };
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
