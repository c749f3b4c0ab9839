import { describe, expect, it } from "vitest";
import { prefetched } from "./prefetch.js";

describe("prefetched", () => {
  it("starts making at once and hands the early one to the first call only", async () => {
    let made = 0;
    const take = prefetched(async () => ++made);
    expect(made).toBe(1);
    expect(await take()).toBe(1);
    expect(await take()).toBe(2);
    expect(made).toBe(2);
  });

  it("makes it again when the early one failed", async () => {
    let calls = 0;
    const take = prefetched(async () => {
      calls++;
      if (calls === 1) throw new Error("engine busy");
      return "second";
    });
    expect(await take()).toBe("second");
    expect(calls).toBe(2);
  });

  it("passes on a failure of the one made on demand", async () => {
    const take = prefetched(async (): Promise<string> => {
      throw new Error("no sandbox");
    });
    await expect(take()).rejects.toThrow("no sandbox");
  });
});
