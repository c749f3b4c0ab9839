import { PatchbayError } from "@patchbay/core";
import { describe, expect, it } from "vitest";
import { alongsideModelCheck } from "./model-check.js";

const missing = new PatchbayError("model_error", "the endpoint does not serve model x");
const later = <T>(ms: number, value: T) => new Promise<T>((r) => setTimeout(() => r(value), ms));

/** A clone that takes `ms` unless its signal stops it. */
function slowStart(ms: number) {
  return (signal: AbortSignal) =>
    new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => resolve("checkout"), ms);
      signal.addEventListener("abort", () => {
        clearTimeout(timer);
        reject(new Error("clone stopped"));
      });
    });
}

describe("alongsideModelCheck", () => {
  it("stops a slow clone as soon as the check finds the model missing, and throws the check's error", async () => {
    const started = Date.now();
    const run = alongsideModelCheck(later(20, missing), slowStart(5_000), async () => {}, new AbortController().signal);
    await expect(run).rejects.toBe(missing);
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it("disposes of a clone that finished before the check failed", async () => {
    const disposed: string[] = [];
    const run = alongsideModelCheck(
      later(50, missing),
      slowStart(1),
      async (c) => {
        disposed.push(c);
      },
      new AbortController().signal,
    );
    await expect(run).rejects.toBe(missing);
    expect(disposed).toEqual(["checkout"]);
  });

  it("returns the clone when the model is served or the check could not say", async () => {
    const signal = new AbortController().signal;
    expect(await alongsideModelCheck(later(1, null), slowStart(30), async () => {}, signal)).toBe("checkout");
  });

  it("keeps the clone's own error when the job itself was stopped", async () => {
    const job = new AbortController();
    const run = alongsideModelCheck(later(5_000, null), slowStart(5_000), async () => {}, job.signal);
    job.abort("cancelled");
    await expect(run).rejects.toThrow("clone stopped");
  });
});
