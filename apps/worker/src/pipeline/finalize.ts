import type { PatchStats, Workspace } from "@patchbay/core";
import { PatchbayError } from "@patchbay/core";

const PATCH_FILE = ".git/patchbay-patch.diff";

/** The change the agent made, as a patch `git apply` accepts on the base commit. */
export interface CollectedPatch {
  patch: string;
  stats: PatchStats;
}

function parseNumstat(numstat: string): PatchStats {
  const stats: PatchStats = { files: 0, insertions: 0, deletions: 0 };
  for (const line of numstat.split("\n")) {
    const [added, deleted] = line.split("\t");
    if (added === undefined || deleted === undefined) continue;
    stats.files++;
    // Binary files show "-" for both counts.
    stats.insertions += Number(added) || 0;
    stats.deletions += Number(deleted) || 0;
  }
  return stats;
}

/**
 * Diffs everything in the workspace against the base commit: edits, new, deleted, renamed and
 * binary files, and commits the agent may have made. Staging with `git add -A` is what makes
 * new files part of the diff.
 */
export async function collectPatch(ws: Workspace, baseCommit: string): Promise<CollectedPatch> {
  const stage = await ws.exec("git add -A", { timeoutMs: 120_000 });
  if (stage.exitCode !== 0) {
    throw new PatchbayError("sandbox_failed", `git add failed in the sandbox: ${stage.stderr.slice(-500)}`);
  }
  // Written to a file (read back uncapped) rather than stdout, whose capture is capped. It sits
  // in .git so it is never part of the diff itself.
  const diff = await ws.exec(`git diff --cached --binary --find-renames --output=${PATCH_FILE} ${baseCommit}`, {
    timeoutMs: 120_000,
  });
  const numstat = await ws.exec(`git diff --cached --numstat --find-renames ${baseCommit}`, { timeoutMs: 120_000 });
  const patch = diff.exitCode === 0 ? await ws.readFile(PATCH_FILE) : null;
  if (patch === null) {
    throw new PatchbayError("sandbox_failed", `git diff failed in the sandbox: ${diff.stderr.slice(-500)}`);
  }
  return { patch: patch.toString("utf8"), stats: parseNumstat(numstat.stdout) };
}
