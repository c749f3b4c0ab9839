import { atOrAbove, FINDING_PRIORITIES, type FindingPriority, type ReviewResult } from "@patchbay/core";
import { type ApiClient, CliError, type JobView } from "../api-client.js";
import { exitCodeFor } from "../format.js";
import type { Out } from "./jobs.js";
import { checkedSpec, originHere } from "./submit.js";

export interface ReviewFlags {
  repo?: string;
  base?: string;
  head?: string;
  task?: string;
  model?: string;
  failOn?: string;
}

/** A job as the API serves it, with a review job's result. */
type ReviewJob = JobView & { result: (NonNullable<JobView["result"]> & { review?: ReviewResult }) | null };

const DEFAULT_FOCUS = "Find the bugs, regressions and risks this change introduces.";

/** The --fail-on threshold; undefined when not given. */
export function failOnFrom(text: string | undefined): FindingPriority | undefined {
  if (text === undefined) return undefined;
  const priority = text.toUpperCase();
  if (!(FINDING_PRIORITIES as readonly string[]).includes(priority))
    throw new CliError(`--fail-on must be one of ${FINDING_PRIORITIES.join(", ")}`);
  return priority as FindingPriority;
}

/** The review JobSpec from flags (validated locally for a clear message). */
export function reviewSpec(flags: ReviewFlags) {
  if (!flags.base) throw new CliError("--base is required: the branch, tag or commit the change is reviewed against");
  const url = flags.repo ?? originHere();
  const spec = {
    kind: "review",
    repo: { url },
    review: { base: flags.base, head: flags.head ?? "HEAD" },
    task: flags.task ?? DEFAULT_FOCUS,
    ...(flags.model ? { model: flags.model } : {}),
  };
  return checkedSpec(spec);
}

/** The findings like a linter's (`file:line P1 title`), most urgent first, then the verdict. */
export function formatReview(review: ReviewResult): string {
  const order = (p: FindingPriority) => FINDING_PRIORITIES.indexOf(p);
  const findings = [...review.findings].sort((a, b) => order(a.priority) - order(b.priority));
  const lines = findings.map((f) => `${f.file}:${f.startLine} ${f.priority} ${f.title}`);
  const count = `${findings.length} finding${findings.length === 1 ? "" : "s"}`;
  lines.push(
    `${review.verdict} (${count}, ${review.base.slice(0, 12)}..${review.head.slice(0, 12)}): ${review.explanation}`,
  );
  return lines.join("\n");
}

/**
 * Prints a finished review job and returns the exit code: 1 when a finding is at or above
 * `failOn`, else 0; a job that did not succeed keeps `wait`'s codes (1 failed, 2 error).
 */
export function reportReview(job: ReviewJob, failOn: FindingPriority | undefined, out: Out): number {
  const review = job.result?.review;
  if (out.json) out.print(JSON.stringify(job));
  if (job.status !== "succeeded" || !review) {
    if (!out.json) out.print(`review ${job.status}: ${job.error?.message ?? "no review in the result"}`);
    return job.status === "succeeded" ? 2 : exitCodeFor(job);
  }
  if (!out.json) out.print(formatReview(review));
  return failOn && review.findings.some((f) => atOrAbove(f.priority, failOn)) ? 1 : 0;
}

/** `patchbay review`: submits the review job. */
export async function submitReview(api: ApiClient, flags: ReviewFlags): Promise<ReviewJob> {
  return (await api.submit(reviewSpec(flags))) as ReviewJob;
}
