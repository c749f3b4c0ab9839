import type { IdleSandbox, Sandbox, SandboxOptions } from "@patchbay/sandbox";
import pino from "pino";
import { describe, expect, it } from "vitest";
import { HotEnvironments, type IdleSandboxMaker } from "./hot-environments.js";

/** A maker whose idle sandboxes are plain records (which were made and discarded); each waits for `gate` first. */
function recordingMaker(options: { fail?: boolean; gate?: Promise<void> } = {}) {
  const made: Array<{ image: string | undefined; discarded: boolean }> = [];
  const maker: IdleSandboxMaker = {
    async startIdle(request) {
      await options.gate;
      if (options.fail) throw new Error("engine down");
      const record = { image: request.image, discarded: false };
      made.push(record);
      const idle: IdleSandbox = {
        fits: (r: SandboxOptions) => r.image === request.image,
        claim: async () => ({ id: `claimed-${made.length}` }) as unknown as Sandbox,
        discard: async () => {
          record.discarded = true;
        },
      };
      return idle;
    },
  };
  return { maker, made };
}

const logger = pino({ level: "silent" });
const request = { image: "img:1", cpus: 1, memoryMb: 512 };
const job = { ...request, jobId: "job-1" };
const settle = () => new Promise((r) => setTimeout(r, 10));

describe("HotEnvironments", () => {
  it("hands the sandbox restored for a key to one hit only, and only when it fits the job's request", async () => {
    const { maker, made } = recordingMaker();
    const hot = new HotEnvironments(maker, { max: 2, ttlMs: 60_000 }, logger);
    hot.offer("k1", request, "/copy.tar", false);
    hot.offer("k1", request, "/copy.tar", false);
    await settle();
    expect(made).toHaveLength(1);
    expect(hot.take("k2", job)).toBeUndefined();
    expect(hot.take("k1", { ...job, image: "other:2" })).toBeUndefined();
    expect(hot.take("k1", job)).toBeDefined();
    expect(hot.take("k1", job)).toBeUndefined();
    await hot.close();
    expect(made[0]?.discarded).toBe(false);
  });

  it("keeps at most `max` (the oldest goes) and drops each after its time", async () => {
    const { maker, made } = recordingMaker();
    const hot = new HotEnvironments(maker, { max: 2, ttlMs: 40 }, logger);
    hot.offer("a", request, "/a.tar", false);
    hot.offer("b", request, "/b.tar", false);
    hot.offer("c", request, "/c.tar", false);
    await settle();
    expect(made.map((m) => m.discarded)).toEqual([true, false, false]);
    expect(hot.take("a", job)).toBeUndefined();
    await new Promise((r) => setTimeout(r, 80));
    expect(made.map((m) => m.discarded)).toEqual([true, true, true]);
    expect(hot.take("b", job)).toBeUndefined();
    await hot.close();
  });

  it("a failed restore leaves no entry, so a later job can offer again; close removes what is kept", async () => {
    const failing = new HotEnvironments(recordingMaker({ fail: true }).maker, { max: 2, ttlMs: 60_000 }, logger);
    failing.offer("k", request, "/k.tar", false);
    await settle();
    expect(failing.take("k", job)).toBeUndefined();
    await failing.close();

    const { maker, made } = recordingMaker();
    const hot = new HotEnvironments(maker, { max: 2, ttlMs: 60_000 }, logger);
    hot.offer("k", request, "/k.tar", false);
    await settle();
    await hot.close();
    expect(made[0]?.discarded).toBe(true);
    hot.offer("late", request, "/late.tar", false);
    expect(made).toHaveLength(1);
  });

  it("when full, drops an environment a miss offered before one a hit offered again", async () => {
    const { maker, made } = recordingMaker();
    const hot = new HotEnvironments(maker, { max: 2, ttlMs: 60_000 }, logger);
    hot.offer("main", request, "/main.tar", true);
    hot.offer("branch-1", request, "/b1.tar", false);
    hot.offer("branch-2", request, "/b2.tar", false);
    await settle();
    expect(made.map((m) => m.discarded)).toEqual([false, true, false]);
    expect(hot.take("main", job)).toBeDefined();
    await hot.close();
  });

  it("close waits for a sandbox still being made and removes it", async () => {
    let open: () => void = () => undefined;
    const { maker, made } = recordingMaker({ gate: new Promise<void>((resolve) => (open = resolve)) });
    const hot = new HotEnvironments(maker, { max: 2, ttlMs: 60_000 }, logger);
    hot.offer("k", request, "/k.tar", false);
    const closing = hot.close();
    await settle();
    expect(made).toHaveLength(0);
    open();
    await closing;
    expect(made.map((m) => m.discarded)).toEqual([true]);
  });
});
