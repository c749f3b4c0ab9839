import type { TokenUsage } from "./events.js";
import type { HiddenResult } from "./hidden-checks.js";
import type { ReviewResult } from "./review.js";
import type { ChangeExplanation, VerificationLink } from "./verification.js";

/**
 * How a check command ended: "passed" (exit 0 in time), "failed", or "unavailable" — the command
 * (or the tool it runs) is not installed (exit 127, "command not found"); not counted as failing.
 */
export type CheckStatus = "passed" | "failed" | "unavailable";

/** One run of a test or lint command. */
export interface CheckRun {
  kind: "test" | "lint";
  command: string;
  /** "job": the JobSpec; "config": the repository's .patchbay.yml; "detected": found by looking at the repository. */
  source: "job" | "config" | "detected";
  exitCode: number | null;
  /** True when status is "passed". */
  passed: boolean;
  status: CheckStatus;
  /** With status "unavailable": why, in the shell's words (e.g. "sh: 1: eslint: not found"). */
  reason?: string;
  /** The test output says the run stopped before reporting every test (e.g. TAP "Bail out!"); its missing tests are not taken as fixed. */
  incomplete?: string;
  timedOut: boolean;
  durationMs: number;
  outputTail: string;
  counts?: { passed: number; failed: number; skipped: number };
  /** Names of failing tests parsed from the output; present when the output's format was recognised. */
  failedTests?: string[];
  /** Where a detected command came from, e.g. "package.json scripts.test". */
  detectedFrom?: string;
  /** Where counts and names were read: "junit:<path>" for JUnit XML reports, "output:<format>" for the runner's output. */
  report?: string;
}

/** Check outcomes on the untouched checkout and after the agent. */
export interface ChecksComparison {
  before: CheckRun[];
  after: CheckRun[];
  /**
   * True when every after-run that could run passed; null when no check ran ("no checks ran": none
   * was detected or configured, every one was unavailable, or the job ended before they ran).
   */
  passed: boolean | null;
  /** Check kinds that passed before and fail after. */
  regressions: string[];
  /** Tests failing before and passing after; present when both test runs named their failures. */
  fixed?: string[];
  /** Tests failing both before and after; present when both test runs named their failures. */
  stillFailing?: string[];
  /** Tests failing after that did not fail before; present when both test runs named their failures. */
  newlyFailing?: string[];
}

export interface PatchStats {
  files: number;
  insertions: number;
  deletions: number;
}

/** What a finished job produced. */
export interface JobResult {
  summary: string | null;
  patchStats: PatchStats;
  checks: ChecksComparison;
  usage: TokenUsage & { turns: number; estimatedCostUsd: number | null };
  model: string;
  baseCommit: string | null;
  /** The setup commands that ran, where they came from, and why (e.g. "package-lock.json → npm ci"). */
  setup?: { commands: string[]; source: "job" | "config" | "detected"; reasons?: string[] };
  /** Test files that existed at the base commit and the agent changed, deleted or renamed (the agent's view, before any protection). */
  testsModified?: string[];
  /** Test files the agent added. */
  testsAdded?: string[];
  /** Whether the after-checks ran against the original test files. */
  protectTests?: boolean;
  /** With protectTests: test files whose changes were dropped from the patch (restored to the base commit). */
  testsDropped?: string[];
  /** With output.branch: what was pushed. */
  push?: PushResult;
  /** The agent's change held a project secret: the stored patch has it redacted, and it was not pushed. */
  secretsInPatch?: boolean;
  /**
   * Where the after-checks ran: "fresh_sandbox" — a new sandbox from the job's environment with
   * exactly the stored patch applied (nothing else the agent left, files or processes, reaches
   * them; also the one made beside a baseline still running when the agent is done);
   * "baseline_sandbox" — the same, in the sandbox of the job's environment where the baseline
   * checks ran beside the agent and ended before it (the agent never ran there); "agent_sandbox" — the
   * agent's own, when the environment could not be kept.
   */
  afterChecksIn?: "fresh_sandbox" | "baseline_sandbox" | "agent_sandbox";
  /**
   * The job whose baseline `checks.before` is: an earlier job on the same commit tree, environment,
   * image, sandbox limits and check commands (JobSpec checks.baseline "reuse", the default).
   * Absent when this job ran its own.
   */
  baselineFrom?: string;
  /** The environment the job ran in: a cached one (hit) or one built by setup (miss). */
  environment?: EnvironmentOutcome;
  /** Connections the sandbox made through the egress proxy, counted (each one is a `network` event). */
  network?: NetworkTotals;
  /** Documents the agent's search_docs calls returned (the knowledge it was given), with the passages' lines. */
  citations?: Citation[];
  /** With checks.hidden: how the hidden tests did against the stored patch. */
  hidden?: HiddenResult;
  /** A review job's verdict and findings (validated; head-side line ranges). */
  review?: ReviewResult;
  /** The agent's account of its change: what, where, why (its explain_change call). */
  explanation?: ChangeExplanation;
  /** Each claim of verification with the check or command that showed it. */
  verification?: VerificationLink[];
  /** Claims dropped from `verification` because they named no check or command the job ran. */
  verificationNotes?: string[];
  /** With attempts > 1: which attempt's patch the job holds, and why (GET /v1/jobs/:id/candidates lists them all). */
  bestOfN?: BestOfN;
}

/** How a best-of-N job chose among its attempts. */
export interface BestOfN {
  attempts: number;
  /** The attempt the checks ranked first. */
  winner: number;
  /** The attempt whose patch the job holds: the winner, or the one a person selected. */
  selected: number;
  selectedBy: "checks" | "person";
  /** The ranking in words, best first (e.g. "2: all checks pass, 1 fixed, +4 −1"). */
  ranking: string[];
}

/** A document of the project's knowledge base that a job's agent was shown. */
export interface Citation {
  /** "upload": uploaded over the API; "repo": from the job's repository. */
  source: string;
  path: string;
  version: number;
  /** The passages returned, as 1-based inclusive line ranges, in the order first returned. */
  lines: Array<{ startLine: number; endLine: number }>;
}

/** A branch the worker pushed for a job. */
export interface PushResult {
  remote: string;
  branch: string;
  commit: string;
  /** True when an existing branch was replaced (output.force). */
  forced: boolean;
}

/** How a job got its environment. */
export interface EnvironmentOutcome {
  /** Hash of what decides the environment: image, repository, manifests and lockfiles, setup commands, allowlist. */
  key: string;
  /** hit: restored from the cache; built: setup ran and the result was kept; not_cached: setup ran, nothing kept. */
  status: "hit" | "built" | "not_cached" | "none";
  /** Setup (or restore) time in milliseconds. */
  ms: number;
  sizeBytes?: number;
  /** Why nothing was kept, when status is not_cached. */
  note?: string;
}

/** Egress totals of a job. */
export interface NetworkTotals {
  allowed: number;
  denied: number;
  bytesUp: number;
  bytesDown: number;
  /** Hosts that were refused, each once. */
  deniedHosts: string[];
}
