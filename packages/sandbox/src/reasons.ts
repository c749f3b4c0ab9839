import type { ExecResult } from "@patchbay/core";

/** Why a command ended abnormally (ExecResult.reason). */
export type ExecReason = NonNullable<ExecResult["reason"]>;

/** What is known about how a command ended. */
export interface EndFacts {
  exitCode: number | null;
  timedOut: boolean;
  /** Times the OOM killer struck in the container while the command ran. */
  oomKills: number;
  /** Times a fork failed at the container's pids limit while the command ran. */
  pidsLimitHits: number;
  /** The kept stdout and stderr (disk-full messages live there). */
  output: string;
  /** The shell running the command died under it. */
  shellDied?: boolean;
}

// What tools print on ENOSPC (coreutils, Python, Node, git, npm) and EDQUOT.
export const DISK_FULL = /No space left on device|ENOSPC|Disk quota exceeded|EDQUOT/i;

/**
 * Names the limit a command ran into. Counters are per container, so a command running beside
 * another may be blamed for its neighbour's hit; a limit is only named for a command that failed.
 * Resource limits come before `timeout`: a fork bomb that ran out the clock is a pids problem.
 */
export function decideReason(f: EndFacts): ExecReason | undefined {
  const failed = f.timedOut || f.shellDied === true || f.exitCode !== 0;
  if (!failed) return undefined;
  if (f.oomKills > 0) return "oom";
  if (f.pidsLimitHits > 0) return "pids_limit";
  if (DISK_FULL.test(f.output)) return "disk_limit";
  if (f.timedOut) return "timeout";
  if (f.shellDied === true) return "killed";
  // bash reports death by signal N as 128 + N.
  if (f.exitCode !== null && f.exitCode > 128 && f.exitCode <= 128 + 64) return "killed";
  return undefined;
}
