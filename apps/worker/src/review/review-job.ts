import type { AgentFunctionTool } from "@patchbay/agent";
import { FINDING_PRIORITIES, type JobSpec, PatchbayError, type ReviewResult } from "@patchbay/core";
import type { Sandbox } from "@patchbay/sandbox";
import { ReviewCollector } from "./report-findings.js";
import { resolveReviewTarget, reviewTask } from "./review-target.js";

/** What the agent phase of a review job takes, and the review it produced. */
export interface ReviewRun {
  task: string;
  functions: AgentFunctionTool[];
  /** The accepted report with the commits reviewed; review_not_reported when the model never sent one. */
  result(): ReviewResult;
  /** A line for the status event: the verdict and the findings by priority. */
  message(): string;
}

/** Prepares a `kind: "review"` job in its sandbox (checked out at review.head): the diff, the task and report_findings. */
export async function startReview(sandbox: Sandbox, spec: JobSpec): Promise<ReviewRun> {
  if (!spec.review) throw new PatchbayError("invalid_request", "a review job needs review: {base, head}");
  const target = await resolveReviewTarget(sandbox, spec.review);
  const collector = new ReviewCollector(sandbox, target.head);
  const result = (): ReviewResult => {
    const report = collector.report();
    if (!report) {
      throw new PatchbayError(
        "review_not_reported",
        "the model finished without reporting its review through report_findings",
      );
    }
    return { ...report, base: target.mergeBase, head: target.head };
  };
  return {
    task: reviewTask(spec.task, target),
    functions: [collector.tool],
    result,
    message() {
      const { verdict, findings } = result();
      const byPriority = FINDING_PRIORITIES.map((p) => [p, findings.filter((f) => f.priority === p).length] as const)
        .filter(([, n]) => n > 0)
        .map(([p, n]) => `${n} ${p}`);
      return `reviewed: ${verdict}${byPriority.length ? ` (${byPriority.join(", ")})` : ", no findings"}`;
    },
  };
}
