import type { ChecksPlan } from "@patchbay/checks";
import { type CheckRun, type EventSink, type PatchbayError, tagCandidate } from "@patchbay/core";
import type { Sandbox } from "@patchbay/sandbox";
import type { Logger } from "pino";
import type { JobEnvironment } from "../environment/environment-phase.js";
import { ChangeExplainer } from "../explain/explain-change.js";
import { type AfterChecksSandbox, afterChecks } from "./after-checks.js";
import type { AgentSummary } from "./agent-phase.js";
import { type CollectOptions, snapshotWorkspace, type WorkspaceSnapshot } from "./finalize.js";
import type { JobSandboxes } from "./job-sandboxes.js";
import { type AgentChange, collectAgentChange } from "./protect-tests.js";

/** One rollout of a best-of-N job: what its agent did and what the after-checks said of its patch. */
export interface Attempt {
  n: number;
  emit: EventSink;
  explainer: ChangeExplainer;
  agent: AgentSummary | null;
  change: AgentChange | null;
  after: CheckRun[];
  where: AfterChecksSandbox;
  /** Why the attempt ended without a checked patch (the job's other attempts go on). */
  error?: PatchbayError;
}

/** What the attempts share: the job's environment and baseline, and how to run the agent and the checks. */
export interface AttemptsInput {
  count: number;
  /** Attempts whose sandboxes run at once. */
  parallel: number;
  env: JobEnvironment & { fresh: () => Promise<Sandbox> };
  boxes: JobSandboxes;
  baseCommit: string;
  /** The first attempt works in the environment's own sandbox, whose snapshot this is. */
  snapshot: WorkspaceSnapshot;
  before: CheckRun[];
  emit: EventSink;
  signal: AbortSignal;
  log: Logger;
  collectOptions: CollectOptions;
  /** A thrown error as the job would report it (secrets redacted). */
  toError(err: unknown): PatchbayError;
  runAgent(sandbox: Sandbox, attempt: Attempt): Promise<AgentSummary>;
  runChecks(sandbox: Sandbox, plan: ChecksPlan, emit: EventSink): Promise<CheckRun[]>;
}

/**
 * Runs `count` agent rollouts from the same baseline and environment, each in a sandbox of its
 * own, at most `parallel` at once; each ends with its patch judged in a fresh sandbox. An attempt
 * that fails does not stop the others; an abort (cancel, time-out) stops them all.
 */
export async function runAttempts(input: AttemptsInput): Promise<Attempt[]> {
  const attempts = Array.from({ length: input.count }, (_, i) => newAttempt(i + 1, input.emit));
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < attempts.length; i = next++) await runOne(input, attempts[i]!);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(input.parallel, input.count)) }, worker));
  return attempts;
}

function newAttempt(n: number, emit: EventSink): Attempt {
  const tagged: EventSink = (event) => emit(tagCandidate(event, n));
  return {
    n,
    emit: tagged,
    explainer: new ChangeExplainer(),
    agent: null,
    change: null,
    after: [],
    where: "fresh_sandbox",
  };
}

async function runOne(input: AttemptsInput, attempt: Attempt): Promise<void> {
  const fresh = trackFresh(input);
  let sandbox: Sandbox | null = null;
  try {
    const start = await attemptSandbox(input, attempt.n);
    sandbox = start.sandbox;
    attempt.agent = await input.runAgent(sandbox, attempt);
    const plan = input.env.plan;
    attempt.change = await collectAgentChange(sandbox, input.baseCommit, start.snapshot, plan, input.collectOptions);
    const judged = await afterChecks({
      env: { ...input.env, sandbox, fresh: fresh.make },
      boxes: input.boxes,
      patch: attempt.change.patch.patch,
      before: input.before,
      run: (box, checksPlan) => input.runChecks(box, checksPlan, attempt.emit),
      emit: attempt.emit,
    });
    attempt.after = judged.runs;
    attempt.where = judged.where;
  } catch (err) {
    if (input.signal.aborted) throw err;
    attempt.error = input.toError(err);
    input.log.info({ attempt: attempt.n, code: attempt.error.code }, "attempt failed");
    attempt.emit({ type: "error", data: { ...attempt.error.toJSON() } });
  } finally {
    // Each attempt's sandboxes go as soon as it is judged: N attempts never hold 2N sandboxes.
    await Promise.allSettled([
      ...(sandbox ? [input.boxes.remove(sandbox)] : []),
      ...fresh.made.map((s) => input.boxes.remove(s)),
    ]);
  }
}

/** The first attempt continues in the environment's sandbox; the others start from a fresh one. */
async function attemptSandbox(
  input: AttemptsInput,
  n: number,
): Promise<{ sandbox: Sandbox; snapshot: WorkspaceSnapshot }> {
  if (n === 1) return { sandbox: input.env.sandbox, snapshot: input.snapshot };
  const sandbox = await input.env.fresh();
  return { sandbox, snapshot: await snapshotWorkspace(sandbox, input.baseCommit) };
}

/** The environment's `fresh`, remembering what it made so the attempt can remove it. */
function trackFresh(input: AttemptsInput) {
  const made: Sandbox[] = [];
  const make = async () => {
    const sandbox = await input.env.fresh();
    made.push(sandbox);
    return sandbox;
  };
  return { made, make };
}

/**
 * The task as each attempt gets it: the job's task, and what makes attempts comparable — they are
 * judged by the checks, and a tie goes to the one that says it is surer of its change.
 */
export function attemptTask(task: string): string {
  return `${task}\n\n(Several attempts at this task run side by side; the repository's checks pick the one that is kept. End your final message with a line "Confidence: <0-100>" saying how sure you are that your change is right.)`;
}

/**
 * How many attempts run at once: the worker's bound, and never more than the project may run jobs
 * at once (each attempt holds a sandbox as a job would).
 */
export function parallelAttempts(workerMax: number, projectMaxRunningJobs: number | null): number {
  return Math.max(1, Math.min(workerMax, projectMaxRunningJobs ?? workerMax));
}
