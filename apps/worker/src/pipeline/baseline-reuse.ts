import { createHash } from "node:crypto";
import type { ChecksPlan } from "@patchbay/checks";
import type { CheckRun } from "@patchbay/core";
import type { BaselineRecord, BaselineRepository } from "@patchbay/db";
import { gitEnv } from "./clone.js";
import { runHostGit } from "./host-git.js";
import type { JobSandboxSpec } from "./job-sandboxes.js";

/** How long a kept baseline stands for later jobs' (a day of jobs on one commit, flaky tests aside). */
export const BASELINE_TTL_MS = 24 * 3600_000;
/** Bump when what a baseline's runs hold or how checks run changes. */
const KEY_FORMAT = "baseline-v1";

/** Where kept baselines live (BaselineRepository). */
export type BaselineStore = Pick<BaselineRepository, "find" | "save">;

/** What decides a baseline's outcome besides the project. */
export interface BaselineInputs {
  checkoutDir: string;
  baseCommit: string;
  hostPath: string;
  /** The environment's key ("" when setup had nothing to install). */
  environmentKey: string;
  sandbox: Pick<JobSandboxSpec, "image" | "cpus" | "memoryMb">;
  plan: Pick<ChecksPlan, "commands">;
}

/**
 * The key of a baseline: the commit's tree (not the commit: a rebased or re-committed tree
 * checks the same), the environment, the image and limits the checks ran with, and the commands.
 */
export async function baselineKey(inputs: BaselineInputs): Promise<string> {
  const { stdout } = await runHostGit(["rev-parse", `${inputs.baseCommit}^{tree}`], {
    cwd: inputs.checkoutDir,
    timeoutMs: 30_000,
    env: gitEnv({ hostPath: inputs.hostPath }),
  });
  const parts = {
    format: KEY_FORMAT,
    tree: stdout.trim(),
    environment: inputs.environmentKey,
    sandbox: inputs.sandbox,
    commands: inputs.plan.commands,
  };
  return createHash("sha256").update(JSON.stringify(parts)).digest("hex").slice(0, 40);
}

/** Whether a baseline's runs may stand for later jobs': each ran to its end (no time-out). */
export function reusable(runs: readonly CheckRun[]): boolean {
  return runs.length > 0 && runs.every((run) => !run.timedOut && run.exitCode !== null);
}

/** A kept baseline for `key`, or null (a storage error is no reason to fail the job: it runs its own). */
export async function findBaseline(
  store: BaselineStore,
  projectId: string,
  key: string,
): Promise<BaselineRecord | null> {
  return store.find(projectId, key).catch(() => null);
}
