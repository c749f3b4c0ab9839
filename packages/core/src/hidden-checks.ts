import { z } from "zod";

/**
 * Largest hidden test patch accepted, in characters: with the rest of a spec it must fit the
 * API's 1 MB JSON body.
 */
export const HIDDEN_PATCH_MAX_CHARS = 512 * 1024;
const MAX_NAMES = 5000;

const testNames = (field: string) =>
  z
    .array(
      z.string().min(1, `${field} may not hold an empty test name`).max(2000, `a test name in ${field} is too long`),
    )
    .max(MAX_NAMES, `${field} may name at most ${MAX_NAMES} tests`);

/**
 * `checks.hidden`: tests the agent never sees. After the agent phase they are applied to a fresh
 * sandbox holding the job's patch, run, and judged by name (SWE-bench style).
 */
export const HiddenChecksSchema = z
  .object({
    /** A unified diff (`git apply`) that adds or changes the tests; applied only after the agent phase. */
    patch: z
      .string()
      .max(
        HIDDEN_PATCH_MAX_CHARS,
        `checks.hidden.patch is longer than ${HIDDEN_PATCH_MAX_CHARS} characters; keep only the test files' changes in it`,
      )
      .refine((p) => p === "" || /^(diff --git |--- )/m.test(p), {
        message: "checks.hidden.patch must be a unified diff (git diff output: 'diff --git' or '---' / '+++' headers)",
      })
      .optional(),
    /** The shell command that runs the tests (verbose enough that passing tests are named; see the README). */
    test: z
      .string({ error: "checks.hidden.test is required: the command that runs the hidden tests" })
      .trim()
      .min(1, "checks.hidden.test may not be empty")
      .max(4000),
    /** Tests that must pass with the agent's patch (they fail without the fix). */
    failToPass: testNames("checks.hidden.failToPass").optional(),
    /** Tests that must still pass with the agent's patch. */
    passToPass: testNames("checks.hidden.passToPass").optional(),
  })
  .strict();

export type HiddenChecks = z.output<typeof HiddenChecksSchema>;

/** A named test's outcome in the hidden run; "missing": the output did not report it (counts as not passing). */
export type HiddenTestOutcome = "passed" | "failed" | "skipped" | "missing";

/** Named tests split by whether they passed. */
export interface HiddenNamedOutcomes {
  passed: string[];
  /** Failed, skipped or missing. */
  failed: string[];
}

/** What the hidden checks came to (JobResult.hidden). */
export interface HiddenResult {
  /**
   * Every failToPass and every passToPass test passed (and the run had no error). Without any
   * named test: the test command exited 0.
   */
  resolved: boolean;
  /** The named tests (failToPass, then passToPass) with their outcomes; without names, every test the output reported (first 1000). */
  tests: Array<{ name: string; outcome: HiddenTestOutcome }>;
  failToPass: HiddenNamedOutcomes;
  passToPass: HiddenNamedOutcomes;
  /** The test command's exit code; null when it did not run or timed out. */
  exitCode: number | null;
  durationMs: number;
  /** Why the hidden tests could not be judged (patch did not apply, time-out, output no parser knows). */
  error?: string;
  /** The parser that read the output, e.g. "pytest". */
  format?: string;
  timedOut?: boolean;
  /** The last 4 KiB of the test output (colours removed). */
  outputTail?: string;
  /** Where they ran: a fresh sandbox from the job's environment, or the agent's when none could be made. */
  ranIn?: "fresh_sandbox" | "agent_sandbox";
}
