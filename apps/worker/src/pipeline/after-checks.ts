import { Readable } from "node:stream";
import type { ChecksPlan } from "@patchbay/checks";
import { type CheckRun, type EventSink, PatchbayError } from "@patchbay/core";
import type { Sandbox } from "@patchbay/sandbox";
import type { JobEnvironment } from "../environment/environment-phase.js";
import type { JobSandboxes } from "./job-sandboxes.js";

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
 * Applies the stored patch in a fresh sandbox; sandbox_failed when it does not apply. The patch is
 * fed to `git apply`'s stdin (one process behind the runner: no file in the workspace, where a
 * write through the shell and then an apply cost two round trips and three processes).
 */
export async function applyPatch(sandbox: Sandbox, patch: string): Promise<void> {
  try {
    await sandbox.streamIn(["git", "apply", "--whitespace=nowarn", "-"], Readable.from([Buffer.from(patch)]));
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new PatchbayError("sandbox_failed", `the stored patch did not apply in a fresh sandbox: ${why}`);
  }
}

/** A line of Patchbay's own in the checks phase's log. */
export function noteChecks(emit: EventSink, text: string): void {
  emit({ type: "log", data: { stream: "stdout", text: `patchbay: ${text}\n`, phase: "checks", source: "patchbay" } });
}
