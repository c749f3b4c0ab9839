import { describe, expect, it } from "vitest";
import { parallelAttempts } from "./attempts.js";

describe("parallelAttempts", () => {
  it("runs no more attempts at once than the project may run jobs, nor than the worker allows", () => {
    expect(parallelAttempts(4, 2)).toBe(2);
    expect(parallelAttempts(4, 8)).toBe(4);
    expect(parallelAttempts(4, null)).toBe(4);
  });

  it("always runs at least one", () => {
    expect(parallelAttempts(4, 0)).toBe(1);
  });
});
