import { afterEach, describe, expect, it, vi } from "vitest";
import { throttle } from "./throttle.js";

describe("throttle", () => {
  afterEach(() => vi.useRealTimers());

  it("passes the first call through and drops the rest until the interval has passed", () => {
    vi.useFakeTimers();
    const seen: number[] = [];
    const report = throttle((n: number) => seen.push(n), 1000);
    report(1);
    report(2);
    vi.advanceTimersByTime(999);
    report(3);
    vi.advanceTimersByTime(1);
    report(4);
    expect(seen).toEqual([1, 4]);
  });
});
