import { describe, expect, it } from "vitest";
import { raceAbort } from "./abort.js";

describe("raceAbort", () => {
  it("rejects with the abort reason and leaves no unhandled rejection when already aborted", async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on("unhandledRejection", onUnhandled);
    try {
      const controller = new AbortController();
      controller.abort("cancelled");
      const work = new Promise<never>((_, reject) => setTimeout(() => reject(new Error("clone failed")), 5));
      await expect(raceAbort(work, controller.signal)).rejects.toMatchObject({ code: "cancelled" });
      await new Promise((r) => setTimeout(r, 30));
      expect(unhandled).toEqual([]);
    } finally {
      process.off("unhandledRejection", onUnhandled);
    }
  });

  it("passes the work's own result through when not aborted", async () => {
    const controller = new AbortController();
    await expect(raceAbort(Promise.resolve(7), controller.signal)).resolves.toBe(7);
  });
});
