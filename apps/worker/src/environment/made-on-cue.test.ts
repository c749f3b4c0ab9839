import { afterEach, describe, expect, it, vi } from "vitest";
import { MadeOnCue } from "./made-on-cue.js";

afterEach(() => {
  vi.useRealTimers();
});

function counted() {
  let made = 0;
  const thing = new MadeOnCue(async () => ++made);
  return { thing, made: () => made };
}

describe("MadeOnCue", () => {
  it("makes once, on the first cue, whatever comes after", async () => {
    vi.useFakeTimers();
    const { thing, made } = counted();
    thing.arm(1000);
    expect(made()).toBe(0);
    expect(await thing.cue()).toBe(1);
    await vi.advanceTimersByTimeAsync(5000);
    expect(await thing.cue()).toBe(1);
    expect(await thing.settle()).toBe(1);
    expect(made()).toBe(1);
  });

  it("makes it when the armed delay passes with no cue", async () => {
    vi.useFakeTimers();
    const { thing, made } = counted();
    thing.arm(1000);
    await vi.advanceTimersByTimeAsync(999);
    expect(made()).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(made()).toBe(1);
    expect(await thing.settle()).toBe(1);
  });

  it("settling before any cue makes nothing, then or later", async () => {
    vi.useFakeTimers();
    const { thing, made } = counted();
    thing.arm(1000);
    expect(await thing.settle()).toBeNull();
    await vi.advanceTimersByTimeAsync(5000);
    expect(made()).toBe(0);
  });

  it("hands a failure to whoever waits for it", async () => {
    const thing = new MadeOnCue(async () => {
      throw new Error("engine down");
    });
    await expect(thing.cue()).rejects.toThrow("engine down");
    await expect(thing.settle()).rejects.toThrow("engine down");
  });
});
