import { describe, expect, it } from "vitest";
import { resolveChecks } from "./resolve.js";

const detected = {
  test: { command: "npm test", source: "package.json scripts.test" },
  lint: { command: "npm run lint", source: "package.json scripts.lint" },
};

describe("resolveChecks", () => {
  it("uses detected commands when the job names none", () => {
    expect(resolveChecks(undefined, detected)).toEqual([
      { kind: "test", command: "npm test", source: "detected", detectedFrom: "package.json scripts.test" },
      { kind: "lint", command: "npm run lint", source: "detected", detectedFrom: "package.json scripts.lint" },
    ]);
  });

  it("lets the job's commands win, kind by kind", () => {
    expect(resolveChecks({ test: "pytest -x" }, detected)).toEqual([
      { kind: "test", command: "pytest -x", source: "job" },
      { kind: "lint", command: "npm run lint", source: "detected", detectedFrom: "package.json scripts.lint" },
    ]);
  });

  it("leaves out kinds nobody provides, and blank job commands", () => {
    expect(resolveChecks({ lint: "ruff check .", test: "  " }, {})).toEqual([
      { kind: "lint", command: "ruff check .", source: "job" },
    ]);
    expect(resolveChecks(undefined, {})).toEqual([]);
  });
});
