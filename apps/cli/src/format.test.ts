import { describe, expect, it } from "vitest";
import type { JobView } from "./api-client.js";
import { exitCodeFor } from "./format.js";

const job = (status: string, passed: boolean, kind?: string): JobView =>
  ({
    id: "j",
    status,
    phase: null,
    model: "m",
    error: null,
    spec: kind ? { kind } : {},
    result: { checks: { passed } },
  }) as unknown as JobView;

describe("exitCodeFor (what CI scripts branch on)", () => {
  it("is 0 only for a job that succeeded with passing checks", () => {
    expect(exitCodeFor(job("succeeded", true))).toBe(0);
    expect(exitCodeFor(job("succeeded", false))).toBe(1);
    expect(exitCodeFor(job("failed", true))).toBe(1);
  });
  it("is 2 for error, cancel and time-out", () => {
    for (const s of ["error", "cancelled", "timed_out"]) expect(exitCodeFor(job(s, true))).toBe(2);
  });
  it("is 0 for an answered ask job, which runs no checks", () => {
    expect(exitCodeFor(job("succeeded", false, "ask"))).toBe(0);
  });
});
