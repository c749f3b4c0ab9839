import type { ExecResult } from "@patchbay/core";
import { describe, expect, it } from "vitest";
import { unavailableReason } from "./unavailable.js";

const ended = (exitCode: number | null, timedOut = false): ExecResult => ({
  exitCode,
  stdout: "",
  stderr: "",
  timedOut,
  durationMs: 1,
  truncatedBytes: 0,
});

describe("unavailableReason", () => {
  it("takes exit 127 as a missing command, with the shell's line", () => {
    expect(unavailableReason("npm run lint", ended(127), "> eslint .\nsh: 1: eslint: not found\n")).toBe(
      "sh: 1: eslint: not found",
    );
    expect(unavailableReason("x", ended(127), "")).toBe("exit 127: command not found");
  });

  it("takes the first word reported not found, make's Error 127 and python -m without its module", () => {
    expect(unavailableReason("CI=1 ruff check .", ended(1), "bash: line 1: ruff: command not found\n")).toBe(
      "bash: line 1: ruff: command not found",
    );
    const make = "make: eslint: No such file or directory\nmake: *** [Makefile:2: lint] Error 127\n";
    expect(unavailableReason("make lint", ended(2), make)).toBe("make: eslint: No such file or directory");
    expect(
      unavailableReason(".venv/bin/python -m pytest -q", ended(1), "/w/.venv/bin/python: No module named pytest\n"),
    ).toBe("/w/.venv/bin/python: No module named pytest");
  });

  it("leaves failing, passing and timed-out runs alone", () => {
    expect(unavailableReason("npm test", ended(1), "helper: not found\n1 failing\n")).toBeUndefined();
    expect(
      unavailableReason("python3 -m pytest", ended(1), "E   ModuleNotFoundError: No module named 'requests'\n"),
    ).toBeUndefined();
    expect(unavailableReason("eslint .", ended(0), "")).toBeUndefined();
    expect(unavailableReason("eslint .", ended(null, true), "eslint: not found")).toBeUndefined();
  });
});
