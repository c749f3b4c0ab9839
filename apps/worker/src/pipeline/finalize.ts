import type { FileChange } from "@patchbay/checks";
import type { PatchStats, Workspace } from "@patchbay/core";
import { PatchbayError } from "@patchbay/core";
import { scriptFailure } from "./disk-limit.js";
import { guardPatchText, type SecretFinder } from "./patch-secrets.js";

/** Scratch folder inside the sandbox's .git, which git never diffs. */
const DIR = ".git/patchbay";
const TIMEOUT_MS = 120_000;
/** Largest patch stored when the caller names no limit (PATCHBAY_MAX_PATCH_BYTES). */
export const DEFAULT_MAX_PATCH_BYTES = 20 * 1024 * 1024;

/**
 * Empties the scratch folder. The agent may have planted anything there (a FIFO where a list is
 * expected blocks every reader and writer); only files made after this are trusted.
 */
const RESET_SCRATCH = `rm -rf ${DIR} && mkdir -p ${DIR}`;
/** Refuses a scratch file that is not a regular file (swapped in while the script ran). */
const REQUIRE_REGULAR = (files: string[]) =>
  files
    .map(
      (f) => `[ -f ${DIR}/${f} ] && [ ! -L ${DIR}/${f} ] || { echo "${DIR}/${f} is not a regular file" >&2; exit 3; }`,
    )
    .join("\n");

/**
 * Files Python leaves next to the code whenever it runs (the agent's own test runs included);
 * never part of a change, even without a .gitignore for them or when the agent committed them.
 */
const ARTIFACTS = String.raw`(^|/)(__pycache__|\.pytest_cache)/|\.py[co]$`;

/** The change the agent made, as a patch `git apply` accepts on the base commit. */
export interface CollectedPatch {
  patch: string;
  stats: PatchStats;
  /** Every changed path, renames with their old path. */
  changes: FileChange[];
  /** The agent's change held a project secret: `patch` has it redacted, and it is never pushed. */
  secretsInPatch?: boolean;
}

/**
 * The patch as it may be stored: every project secret (in any form the redaction knows, also
 * inside binary files) taken out, and `secretsInPatch` set when there was one.
 */
export function guardPatch(collected: CollectedPatch, secrets: SecretFinder): CollectedPatch {
  const guarded = guardPatchText(collected.patch, secrets);
  return guarded.secretsInPatch ? { ...collected, patch: guarded.patch, secretsInPatch: true } : collected;
}

/**
 * What the workspace held before the agent that is not in the base commit: untracked files
 * (node_modules from `npm ci`, build output, reports of the baseline run) and tracked files that
 * setup or the baseline changed (a rewritten lockfile), with their content hash. Kept on the
 * worker, not in the sandbox, so the agent cannot alter it.
 */
export interface WorkspaceSnapshot {
  /** NUL-separated paths. */
  untracked: Buffer;
  /** NUL-separated "<blob hash or 'deleted'> <path>" entries. */
  modified: Buffer;
}

/** Tracked files setup or the baseline changed, as NUL-separated "<blob hash or 'deleted'> <path>" entries. */
const MODIFIED_LIST = (base: string) => `git diff --name-only -z --no-renames ${base} | while IFS= read -r -d '' p; do
  if [ -e "$p" ] || [ -L "$p" ]; then h=$(git hash-object -- "$p"); else h=deleted; fi
  printf '%s %s\\0' "$h" "$p"
done`;

/** Both lists as base64 lines on stdout: one round trip and no file, while they fit the output cap. */
const SNAPSHOT_PRINT = (base: string) => `set -eo pipefail
export LC_ALL=C GIT_LITERAL_PATHSPECS=1
git ls-files -z --others --exclude-standard | base64 -w0
printf '\\n'
${MODIFIED_LIST(base)} | base64 -w0
printf '\\nend\\n'`;

/** Both lists into scratch files, read back one by one: for lists too long for an exec's output. */
const SNAPSHOT_FILES = (base: string) => `set -eo pipefail
export LC_ALL=C GIT_LITERAL_PATHSPECS=1
${RESET_SCRATCH}
git ls-files -z --others --exclude-standard > ${DIR}/untracked-before
${MODIFIED_LIST(base)} > ${DIR}/modified-before`;

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Records what setup and the baseline left in the workspace (call right before the agent). */
export async function snapshotWorkspace(ws: Workspace, baseCommit: string): Promise<WorkspaceSnapshot> {
  const printed = await ws.exec(SNAPSHOT_PRINT(baseCommit), { timeoutMs: TIMEOUT_MS });
  if (printed.exitCode !== 0) throw await scriptFailure(ws, printed, "could not snapshot the workspace in the sandbox");
  const [untracked, modified, end] = printed.stdout.split("\n");
  const whole =
    printed.truncatedBytes === 0 && end === "end" && BASE64.test(untracked ?? "") && BASE64.test(modified ?? "");
  if (whole) return { untracked: Buffer.from(untracked!, "base64"), modified: Buffer.from(modified!, "base64") };
  await run(ws, SNAPSHOT_FILES(baseCommit), "snapshot the workspace");
  // Both files at once: each read is a round trip into the sandbox.
  const [untrackedFile, modifiedFile] = await Promise.all([
    ws.readFile(`${DIR}/untracked-before`),
    ws.readFile(`${DIR}/modified-before`),
  ]);
  if (untrackedFile === null || modifiedFile === null)
    throw new PatchbayError("sandbox_failed", "workspace snapshot missing");
  return { untracked: untrackedFile, modified: modifiedFile };
}

/**
 * Stages the agent's change in a scratch index (the repository's own index is left alone; copied
 * with its time kept: git trusts an entry's file times only when they are older than the index's
 * own, so a fresh copy's time would hide an edit of the same size made in the second of checkout):
 * tracked edits and deletions, plus untracked files that were not there before the agent; then
 * takes back what setup and the baseline made (their untracked files, their edits to tracked
 * files the agent did not touch again) and diffs the result against the base commit.
 */
const COLLECT_SCRIPT = (base: string, withSnapshot: boolean) => `set -e
export LC_ALL=C GIT_LITERAL_PATHSPECS=1 GIT_INDEX_FILE=${DIR}/index
${withSnapshot ? `mkdir -p ${DIR}; rm -f ${DIR}/index` : RESET_SCRATCH}
if [ -f .git/index ]; then cp -p .git/index ${DIR}/index; else git read-tree ${base}; fi
git add -u
${withSnapshot ? UNTRACKED_NEW_SINCE_SNAPSHOT : UNTRACKED_NEW}
${withSnapshot ? TAKE_BACK_SNAPSHOT(base) : ""}
${DIFF_OUT(base)}`;

/**
 * Takes Python's caches the agent committed or staged out of the scratch index and diffs again:
 * run only when the first diff added one (or was too large to read), so a change without them
 * costs no extra processes.
 */
const DROP_ARTIFACTS_SCRIPT = (base: string) => `set -e
export LC_ALL=C GIT_LITERAL_PATHSPECS=1 GIT_INDEX_FILE=${DIR}/index
git diff --cached --name-only -z --no-renames --diff-filter=A ${base} | { grep -z -E '${ARTIFACTS}' || true; } > ${DIR}/artifacts
if [ -s ${DIR}/artifacts ]; then git rm -q --cached --pathspec-from-file=${DIR}/artifacts --pathspec-file-nul >/dev/null; fi
${DIFF_OUT(base)}`;

/**
 * The staged change in one file from one git process: the summary (`--raw --numstat -z`
 * records), an empty record, then the patch.
 */
const DIFF_OUT = (
  base: string,
) => `git diff --cached --binary --find-renames --raw --numstat -z -p --output=${DIR}/collected ${base}
${REQUIRE_REGULAR(["collected"])}`;

/** Stages the untracked files listed as new. */
const ADD_UNTRACKED_NEW = `if [ -s ${DIR}/untracked-new ]; then git add --pathspec-from-file=${DIR}/untracked-new --pathspec-file-nul; fi`;

/** Untracked files now, all of them the agent's (nothing was there before it), without Python's caches. */
const UNTRACKED_NEW = `git ls-files -z --others --exclude-standard > ${DIR}/untracked-now
if [ -s ${DIR}/untracked-now ]; then
  { grep -z -v -E '${ARTIFACTS}' ${DIR}/untracked-now || true; } > ${DIR}/untracked-new
  ${ADD_UNTRACKED_NEW}
fi`;

/** Untracked files now that were not there before the agent, without Python's caches. */
const UNTRACKED_NEW_SINCE_SNAPSHOT = `git ls-files -z --others --exclude-standard | sort -z > ${DIR}/untracked-now
${REQUIRE_REGULAR(["untracked-before", "modified-before"])}
sort -z ${DIR}/untracked-before > ${DIR}/untracked-before.sorted
comm -z -23 ${DIR}/untracked-now ${DIR}/untracked-before.sorted | { grep -z -v -E '${ARTIFACTS}' || true; } > ${DIR}/untracked-new
${ADD_UNTRACKED_NEW}`;

/** Takes back what setup and the baseline made: their untracked files, their edits the agent did not touch again. */
const TAKE_BACK_SNAPSHOT = (base: string) => `if [ -s ${DIR}/untracked-before ]; then
  git rm -r -q --cached --ignore-unmatch --pathspec-from-file=${DIR}/untracked-before --pathspec-file-nul >/dev/null
fi
while IFS= read -r -d '' entry; do
  h=\${entry%% *}; p=\${entry#* }
  if [ -e "$p" ] || [ -L "$p" ]; then now=$(git hash-object -- "$p"); else now=deleted; fi
  if [ "$now" = "$h" ]; then git reset -q ${base} -- "$p"; fi
done < ${DIR}/modified-before`;

/** Limits for collecting a patch. */
export interface CollectOptions {
  /** Largest patch kept (default DEFAULT_MAX_PATCH_BYTES); a bigger one fails with patch_too_large. */
  maxPatchBytes?: number;
}

/**
 * Diffs the agent's change against the base commit: edits, new, deleted, renamed and binary
 * files, and commits the agent may have made — without what setup and the baseline produced
 * (given their snapshot) and without Python bytecode caches. Summary and patch are written to
 * one file and read back in one read (an exec's stdout is capped).
 */
export async function collectPatch(
  ws: Workspace,
  baseCommit: string,
  snapshot?: WorkspaceSnapshot,
  options: CollectOptions = {},
): Promise<CollectedPatch> {
  const maxPatchBytes = options.maxPatchBytes ?? DEFAULT_MAX_PATCH_BYTES;
  // An empty snapshot (setup and the baseline left nothing) needs no files: the script resets the
  // scratch folder itself, one round trip instead of three.
  const before = snapshot && snapshot.untracked.length + snapshot.modified.length > 0 ? snapshot : undefined;
  if (before) {
    await run(ws, RESET_SCRATCH, "prepare the patch collection");
    await Promise.all([
      ws.writeFile(`${DIR}/untracked-before`, before.untracked),
      ws.writeFile(`${DIR}/modified-before`, before.modified),
    ]);
  }
  await run(ws, COLLECT_SCRIPT(baseCommit, before !== undefined), "collect the patch");
  const read = await readCollected(ws, maxPatchBytes);
  if ("patch" in read && !read.changes.some(isAddedArtifact)) return read;
  await run(ws, DROP_ARTIFACTS_SCRIPT(baseCommit), "collect the patch");
  const collected = await readCollected(ws, maxPatchBytes);
  if ("patch" in collected) return collected;
  throw patchTooLarge(collected.tooLarge, maxPatchBytes);
}

/** Room for the summary beside the largest patch: ~100 bytes a changed file. */
const MAX_SUMMARY_BYTES = 16 * 1024 * 1024;

/**
 * Reads back what a collect script wrote (one read, any size up to the limits); the patch's size
 * when it is larger than `maxPatchBytes` (null: larger than could be read).
 */
async function readCollected(
  ws: Workspace,
  maxPatchBytes: number,
): Promise<CollectedPatch | { tooLarge: number | null }> {
  const cap = maxPatchBytes + MAX_SUMMARY_BYTES + 2;
  const collected = await ws.readFile(`${DIR}/collected`, { maxBytes: cap });
  if (collected === null) throw new PatchbayError("sandbox_failed", "the patch collection wrote no output");
  if (collected.length === 0) return { patch: "", ...parseDiffSummary("") };
  if (collected.length >= cap) return { tooLarge: null };
  // The summary's records never hold an empty one: the first two NULs in a row end it.
  const end = collected.indexOf("\0\0");
  if (end < 0) throw new PatchbayError("sandbox_failed", "the patch collection's output has no patch");
  const patch = collected.subarray(end + 2);
  if (patch.length > maxPatchBytes) return { tooLarge: patch.length };
  return { patch: patch.toString("utf8"), ...parseDiffSummary(collected.subarray(0, end + 1).toString("utf8")) };
}

const ARTIFACT = new RegExp(ARTIFACTS);

/** A Python cache file the change adds (also as a rename's or copy's new path). */
function isAddedArtifact(change: FileChange): boolean {
  return change.status !== "modified" && change.status !== "deleted" && ARTIFACT.test(change.path);
}

function patchTooLarge(size: number | null, max: number): PatchbayError {
  const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;
  const measured = size !== null ? `${size} bytes (${mb(size)})` : `more than ${mb(max + MAX_SUMMARY_BYTES)}`;
  return new PatchbayError(
    "patch_too_large",
    `the agent's change is ${measured}, more than the ${max} bytes (${mb(max)}) a patch may have (PATCHBAY_MAX_PATCH_BYTES); nothing of it is kept`,
  );
}

/** Runs a fixed script; its stdout. Failures are sandbox_failed, or disk_limit when the disk filled. */
async function run(ws: Workspace, script: string, what: string): Promise<string> {
  const result = await ws.exec(script, { timeoutMs: TIMEOUT_MS });
  if (result.exitCode !== 0) throw await scriptFailure(ws, result, `could not ${what} in the sandbox`);
  return result.stdout;
}

const STATUS: Record<string, FileChange["status"]> = {
  A: "added",
  M: "modified",
  D: "deleted",
  R: "renamed",
  C: "copied",
  T: "type-changed",
};

/**
 * Reads `git diff --raw --numstat -z` (one git process for both): each raw record names a change
 * and its path (two for a rename or copy); each numstat record counts a file's lines (binary
 * files count as changed files with no lines). Records are read in order, so a path is never
 * taken for a record.
 */
export function parseDiffSummary(text: string): { stats: PatchStats; changes: FileChange[] } {
  const stats: PatchStats = { files: 0, insertions: 0, deletions: 0 };
  const changes: FileChange[] = [];
  const fields = text.split("\0");
  for (let i = 0; i < fields.length; i++) {
    const field = fields[i]!;
    if (field.startsWith(":")) {
      const code = field.slice(field.lastIndexOf(" ") + 1).charAt(0);
      const status = STATUS[code] ?? "modified";
      const paired = code === "R" || code === "C";
      const path = fields[i + (paired ? 2 : 1)]!;
      changes.push(paired ? { status, from: fields[i + 1]!, path } : { status, path });
      i += paired ? 2 : 1;
      continue;
    }
    const match = /^(\d+|-)\t(\d+|-)\t(.*)$/s.exec(field);
    if (!match) continue;
    stats.files++;
    stats.insertions += Number(match[1]) || 0;
    stats.deletions += Number(match[2]) || 0;
    // A rename's record ends with an empty path followed by the old and the new path.
    if (match[3] === "") i += 2;
  }
  return { stats, changes };
}
