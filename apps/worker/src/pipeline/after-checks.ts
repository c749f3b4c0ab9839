import { randomBytes } from "node:crypto";
import type { ChecksPlan } from "@patchbay/checks";
import { type CheckRun, type EventSink, PatchbayError } from "@patchbay/core";
import type { Sandbox } from "@patchbay/sandbox";
import type { JobEnvironment } from "../environment/environment-phase.js";
import type { JobSandboxes } from "./job-sandboxes.js";

const APPLY_TIMEOUT_MS = 120_000;

/** Where the after-checks ran (see JobResult.afterChecksIn). */
export type AfterChecksSandbox = "fresh_sandbox" | "baseline_sandbox" | "agent_sandbox";

/** What the after-checks need. */
export interface AfterChecksInput {
  env: JobEnvironment;
  boxes: JobSandboxes;
  /** The stored patch (what the job will hand out), against the base commit. */
  patch: string;
  before: CheckRun[];
  run: (sandbox: Sandbox, plan: ChecksPlan) => Promise<CheckRun[]>;
  emit: EventSink;
}

/**
 * Judges exactly the stored patch: the agent's sandbox is removed (its background processes
 * with it) and the checks run in a fresh sandbox from the job's environment with the patch
 * applied. Only when the environment could not be kept do they run in the agent's sandbox.
 */
export async function afterChecks(input: AfterChecksInput): Promise<{ runs: CheckRun[]; where: AfterChecksSandbox }> {
  const { env, boxes } = input;
  if (!env.fresh) {
    noteChecks(
      input.emit,
      "after-checks run in the agent's sandbox: the environment could not be kept for a fresh one",
    );
    return { runs: await input.run(env.sandbox, env.plan), where: "agent_sandbox" };
  }
  // The agent's container is killed and deleted while the fresh one is made and judged (separate
  // containers: nothing it ran reaches the fresh one; the job's end waits for the deletion).
  boxes.discard(env.sandbox);
  const sandbox = await env.fresh();
  if (input.patch.length > 0) await applyPatch(sandbox, input.patch);
  noteChecks(input.emit, "after-checks run in a fresh sandbox with exactly the stored patch applied");
  return { runs: await input.run(sandbox, env.plan), where: "fresh_sandbox" };
}

/**
 * Applies the stored patch in a fresh sandbox; sandbox_failed when it does not apply. The patch goes
 * in as a file through the sandbox's shell (two round trips of a few ms, where a stdin-fed engine
 * exec costs about 90 ms here).
 */
export async function applyPatch(sandbox: Sandbox, patch: string): Promise<void> {
  // A name nothing in the sandbox can have prepared (a FIFO there would block the write).
  const file = `.git/patchbay-stored-${randomBytes(6).toString("hex")}.patch`;
  let why: string;
  try {
    await sandbox.writeFile(file, patch);
    const applied = await sandbox.exec(`git apply --whitespace=nowarn -- ${file}; s=$?; rm -f -- ${file}; exit $s`, {
      timeoutMs: APPLY_TIMEOUT_MS,
    });
    if (applied.exitCode === 0) return;
    why = applied.stderr.trim().slice(-2000) || `git apply exited with ${applied.exitCode}`;
  } catch (err) {
    why = err instanceof Error ? err.message : String(err);
  }
  throw new PatchbayError("sandbox_failed", `the stored patch did not apply in a fresh sandbox: ${why}`);
}

/** A line of Patchbay's own in the checks phase's log. */
export function noteChecks(emit: EventSink, text: string): void {
  emit({ type: "log", data: { stream: "stdout", text: `patchbay: ${text}\n`, phase: "checks", source: "patchbay" } });
}
