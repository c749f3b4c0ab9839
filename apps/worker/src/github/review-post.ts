import { PatchbayError, type ReviewFinding, type ReviewResult } from "@patchbay/core";
import type { GithubClient, PullReviewFields } from "./client.js";

/** Hidden in the review's body, so that a retry finds the review it already posted. */
export function reviewMarker(jobId: string): string {
  return `<!-- patchbay-review:${jobId} -->`;
}

/**
 * Posts a review job's findings as a review of the pull request it was asked on: one line comment
 * per finding on the head side, the verdict in the body. GitHub refuses comments on lines outside
 * the pull request's diff (422); then the findings go into the body instead. Posted once: a review
 * carrying the job's marker is not posted again.
 */
export async function postPullReview(
  client: GithubClient,
  target: { repo: string; pull: number; jobId: string; jobUrl: string },
  review: ReviewResult,
): Promise<{ id: number }> {
  const marker = reviewMarker(target.jobId);
  const existing = (await client.listReviews(target.repo, target.pull)).find((r) => r.body?.includes(marker));
  if (existing) return { id: existing.id };
  const head = `${headline(review)}\n\n${review.explanation}`;
  const footer = `[Patchbay job](${target.jobUrl})\n${marker}`;
  const fields = (body: string, comments: PullReviewFields["comments"]): PullReviewFields => ({
    commit_id: review.head,
    event: "COMMENT",
    body,
    comments,
  });
  try {
    return await client.createReview(
      target.repo,
      target.pull,
      fields(`${head}\n\n${footer}`, review.findings.map(lineComment)),
    );
  } catch (err) {
    const status = err instanceof PatchbayError ? (err.details as { status?: number } | undefined)?.status : undefined;
    if (status !== 422 || review.findings.length === 0) throw err;
    const listed = review.findings.map((f) => `- \`${f.file}:${f.startLine}\` ${commentText(f)}`).join("\n");
    return client.createReview(target.repo, target.pull, fields(`${head}\n\n${listed}\n\n${footer}`, []));
  }
}

function headline(review: ReviewResult): string {
  const verdict = review.verdict === "correct" ? "looks correct" : "needs changes";
  const count = review.findings.length;
  return `**Patchbay review: ${verdict}** (${count} finding${count === 1 ? "" : "s"})`;
}

function commentText(f: ReviewFinding): string {
  return `**${f.priority} ${f.title}** (confidence ${f.confidence})\n\n${f.body}`;
}

function lineComment(f: ReviewFinding): PullReviewFields["comments"][number] {
  const range = f.startLine < f.endLine ? { start_line: f.startLine, start_side: "RIGHT" as const } : {};
  return { path: f.file, line: f.endLine, side: "RIGHT", ...range, body: commentText(f) };
}
