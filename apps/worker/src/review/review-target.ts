import { truncateMiddle } from "@patchbay/agent";
import { type JobSpec, PatchbayError } from "@patchbay/core";
import type { Sandbox } from "@patchbay/sandbox";

/** The diff a model sees in its task; more is one `git diff` away in the sandbox. */
const DIFF_IN_TASK = 60_000;
const GIT_TIMEOUT_MS = 60_000;

/** What a review job reviews: mergeBase..head, both resolved to commits in the sandbox. */
export interface ReviewTarget {
  /** The merge base of review.base and the head: what a pull request's diff starts from. */
  mergeBase: string;
  head: string;
  /** `git diff --stat` of mergeBase..head. */
  stat: string;
  diff: string;
}

/** The repository a review job clones: its review.head, instead of repo.ref / repo.commit. */
export function reviewCheckout(spec: JobSpec): JobSpec["repo"] {
  if (spec.kind !== "review" || !spec.review) return spec.repo;
  const { ref: _ref, commit: _commit, ...repo } = spec.repo;
  return { ...repo, ref: spec.review.head };
}

/** Resolves review.base (a local or remote branch, a tag or a commit) and diffs it against the checked-out head. */
export async function resolveReviewTarget(sandbox: Sandbox, review: { base: string }): Promise<ReviewTarget> {
  const git = async (script: string, env: Record<string, string> = {}) => {
    const run = await sandbox.exec(script, { timeoutMs: GIT_TIMEOUT_MS, env });
    return { ok: run.exitCode === 0, out: run.stdout.trim(), err: run.stderr.trim() };
  };
  const head = await git("git rev-parse HEAD");
  if (!head.ok) throw new PatchbayError("sandbox_failed", `could not read the checked-out head: ${head.err}`);
  const base = await git(
    'git rev-parse --verify --quiet "$BASE^{commit}" || git rev-parse --verify --quiet "refs/remotes/origin/$BASE^{commit}"',
    { BASE: review.base },
  );
  if (!base.ok || !base.out) {
    throw new PatchbayError(
      "invalid_request",
      `review.base ${review.base} is not a branch, tag or commit of the repository: name one that exists`,
    );
  }
  const merged = await git(`git merge-base ${base.out} ${head.out}`);
  const mergeBase = merged.ok && merged.out ? merged.out : base.out;
  const stat = await git(`git diff --no-color --stat ${mergeBase} ${head.out}`);
  const diff = await git(`git diff --no-color ${mergeBase} ${head.out}`);
  if (!diff.ok) throw new PatchbayError("sandbox_failed", `git diff failed: ${diff.err.slice(-500)}`);
  if (!diff.out) {
    throw new PatchbayError(
      "invalid_request",
      `nothing to review: review.head has no change against review.base ${review.base} (diff ${mergeBase.slice(0, 12)}..${head.out.slice(0, 12)} is empty)`,
    );
  }
  return { mergeBase, head: head.out, stat: stat.out, diff: diff.out };
}

/** The review job's task: what to review, how to report it, the user's focus, and the diff itself. */
export function reviewTask(focus: string, target: ReviewTarget): string {
  const range = `${target.mergeBase.slice(0, 12)}..${target.head.slice(0, 12)}`;
  return [
    `Review the change ${range}: the diff from ${target.mergeBase} (the merge base) to ${target.head}, which is checked out here.`,
    "This is a read-only job: do not create, change or delete files; nothing you change is kept. Read any file and run",
    `any command you need (tests included); \`git diff ${target.mergeBase} HEAD -- <file>\` shows one file's change.`,
    "Look for bugs, regressions, security problems and missing tests the change introduces; not for style nits.",
    "",
    "Report with the `report_findings` tool, once, with the whole review: the verdict (correct or needs_changes), an",
    "explanation, and each finding with its file, the line range on the head side (startLine..endLine of the file as",
    "checked out), priority (P0 must not ship, P1 should be fixed before merging, P2 worth fixing, P3 minor), a short",
    "title, a body that says why it is wrong and how to fix it, and your confidence from 0 to 1. If the tool answers",
    "with an error, fix what it names and call it again. Then finish with a one-paragraph summary.",
    "",
    `The requester's focus: ${focus}`,
    "",
    target.stat,
    "",
    "```diff",
    truncateMiddle(target.diff, DIFF_IN_TASK),
    "```",
  ].join("\n");
}
