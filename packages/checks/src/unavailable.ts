import type { CheckRun, ExecResult } from "@patchbay/core";
import type { CheckCommand } from "./types.js";

// The shell's word for a missing program: bash "bash: line 1: eslint: command not found",
// dash (npm scripts) "sh: 1: eslint: not found".
const NOT_FOUND = /^.*?(\S+): (?:command )?not found\s*$/gm;
// make running a recipe whose program is missing: "make: *** [Makefile:2: lint] Error 127".
const MAKE_127 = /^make(?:\[\d+\])?: \*\*\* .* Error 127\s*$/m;
const MAKE_MISSING = /^make(?:\[\d+\])?: (\S+): No such file or directory\s*$/m;
const PYTHON_MODULE = /^\s*(?:\S*\/)?python[\d.]*\s+-m\s+([\w.]+)/;

/**
 * Why a finished check command is `unavailable` — the command, or the tool its script runs, is
 * not installed — or undefined when it ran (passing or failing). Signs: exit 127; a failing run
 * whose shell says its first word was not found; make's `Error 127`; `python -m X` without X.
 */
export function unavailableReason(command: string, result: ExecResult, output: string): string | undefined {
  if (result.timedOut || result.exitCode === 0 || result.exitCode === null) return undefined;
  const notFound = [...output.matchAll(NOT_FOUND)];
  if (result.exitCode === 127) return notFound.at(-1)?.[0].trim() ?? "exit 127: command not found";
  const first = firstWord(command);
  const own = notFound.find((match) => match[1] === first || match[1]?.endsWith(`/${first}`));
  if (own) return own[0].trim();
  if (MAKE_127.test(output)) return MAKE_MISSING.exec(output)?.[0].trim() ?? MAKE_127.exec(output)![0].trim();
  const module = PYTHON_MODULE.exec(command)?.[1];
  if (module) {
    const missing = new RegExp(`^.*No module named ${module.replace(/\./g, "\\.")}\\s*$`, "m").exec(output);
    if (missing) return missing[0].trim();
  }
  return undefined;
}

/** The program a command line starts with, after any `NAME=value` assignments. */
function firstWord(command: string): string {
  return (
    command
      .trim()
      .split(/\s+/)
      .find((word) => !/^\w+=/.test(word)) ?? ""
  );
}

/** The after-run of a command that was unavailable in the baseline: reported, not run again. */
export function notRunAgain(check: CheckCommand, baseline: CheckRun): CheckRun {
  return {
    kind: check.kind,
    command: check.command,
    source: check.source,
    ...(check.detectedFrom ? { detectedFrom: check.detectedFrom } : {}),
    exitCode: null,
    passed: false,
    status: "unavailable",
    reason: `not run again: unavailable in the baseline (${baseline.reason ?? "command not found"})`,
    timedOut: false,
    durationMs: 0,
    outputTail: "",
  };
}

/** The baseline run of the same command, when it was unavailable. */
export function unavailableBefore(check: CheckCommand, baseline: readonly CheckRun[]): CheckRun | undefined {
  return baseline.find(
    (run) => run.kind === check.kind && run.command === check.command && run.status === "unavailable",
  );
}
