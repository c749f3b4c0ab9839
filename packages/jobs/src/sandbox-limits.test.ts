import { describe, expect, it } from "vitest";
import { DEFAULT_SANDBOX_MAXIMA, sandboxLimitProblem } from "./sandbox-limits.js";

describe("sandboxLimitProblem", () => {
  it("names the field and the maximum of a limit above the operator's", () => {
    expect(sandboxLimitProblem({ memoryMb: 65536 }, DEFAULT_SANDBOX_MAXIMA)).toEqual({
      path: "sandbox.memoryMb",
      message: "65536 is more than this server allows: at most 8192 (PATCHBAY_SANDBOX_MAX_MEMORY_MB)",
    });
    expect(sandboxLimitProblem({ cpus: 64 }, { maxMemoryMb: 1024, maxCpus: 2 })?.message).toBe(
      "64 is more than this server allows: at most 2 (PATCHBAY_SANDBOX_MAX_CPUS)",
    );
  });

  it("accepts limits at or under the maxima, and none at all", () => {
    expect(sandboxLimitProblem({ memoryMb: 8192, cpus: 4 }, DEFAULT_SANDBOX_MAXIMA)).toBeNull();
    expect(sandboxLimitProblem(undefined, DEFAULT_SANDBOX_MAXIMA)).toBeNull();
  });
});
