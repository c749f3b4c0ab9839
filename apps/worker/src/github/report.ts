import type { CheckRun, JobResult } from "@patchbay/core";
import type { JobRecord } from "@patchbay/db";

/** The hidden line that marks Patchbay's comment or pull request for a job: found again, edited, never duplicated. */
export function jobMarker(jobId: string): string {
  return `<!-- patchbay:job=${jobId} -->`;
}

function checkCell(run: CheckRun | undefined): string {
  if (!run) return "—";
  const status = run.status ?? (run.passed ? "passed" : "failed");
  const counts = run.counts ? ` (${run.counts.passed} passed, ${run.counts.failed} failed)` : "";
  return `${status}${counts}`;
}

/** A Markdown table of each check kind before and after the change. */
export function checksTable(checks: JobResult["checks"]): string {
  const kinds = [...new Set([...checks.before, ...checks.after].map((c) => c.kind))];
  if (kinds.length === 0) return "_No checks ran._";
  const rows = kinds.map((kind) => {
    const before = checks.before.find((c) => c.kind === kind);
    const after = checks.after.find((c) => c.kind === kind);
    return `| ${kind} | \`${(after ?? before)?.command ?? ""}\` | ${checkCell(before)} | ${checkCell(after)} |`;
  });
  return ["| check | command | before | after |", "| --- | --- | --- | --- |", ...rows].join("\n");
}

function usageLine(result: JobResult): string {
  const { turns, inputTokens, outputTokens, estimatedCostUsd } = result.usage;
  const cost = estimatedCostUsd === null ? "" : `, about $${estimatedCostUsd.toFixed(2)}`;
  return `${turns} turns, ${inputTokens} input and ${outputTokens} output tokens (${result.model}${cost})`;
}

/** The pull request's body: summary, checks before/after, tests fixed, usage and the job's link. */
export function pullRequestBody(job: JobRecord, jobUrl: string): string {
  const result = job.result;
  const parts = [jobMarker(job.id), `Opened by [Patchbay job ${job.id}](${jobUrl}).`, "", "### Summary", ""];
  parts.push(result?.summary?.trim() || "_The agent left no summary._", "", "### Checks", "");
  if (result) {
    parts.push(checksTable(result.checks), "");
    if (result.checks.fixed?.length)
      parts.push("**Tests fixed:**", ...result.checks.fixed.map((t) => `- \`${t}\``), "");
    if (result.checks.newlyFailing?.length)
      parts.push("**Newly failing:**", ...result.checks.newlyFailing.map((t) => `- \`${t}\``), "");
    const { files, insertions, deletions } = result.patchStats;
    parts.push(`### Usage`, "", `${usageLine(result)}; ${files} file(s), +${insertions} −${deletions}.`);
  }
  parts.push("", "<details><summary>Task</summary>", "", job.spec.task, "", "</details>");
  return parts.join("\n");
}

/** The pull request's title: the task's first line, shortened. */
export function pullRequestTitle(job: JobRecord): string {
  const first = job.spec.task.split("\n")[0]?.trim() || `Patchbay job ${job.id}`;
  return first.length > 100 ? `${first.slice(0, 97)}…` : first;
}

/** The reply on the issue or pull request a job came from: the PR link, or why it did not succeed. */
export function finishComment(job: JobRecord, jobUrl: string, pullUrl?: string): string {
  const head = `${jobMarker(job.id)}\n[Patchbay job ${job.id}](${jobUrl}) finished: **${job.status}**.`;
  if (job.status === "succeeded") {
    const checks = job.result?.checks.passed === false ? " Its checks still fail." : "";
    const where = pullUrl ? `Pull request: ${pullUrl}` : "The patch is on the job (no pull request was asked for).";
    return `${head}${checks}\n\n${where}\n\n${job.result?.summary?.trim() ?? ""}`.trim();
  }
  const reason = job.error ? `${job.error.code}: ${job.error.message}` : (job.result?.summary ?? "no reason recorded");
  return `${head}\n\n${reason}`;
}

/** The hidden line of the "started" reply (distinct from the finished reply's marker). */
export function startMarker(jobId: string): string {
  return `<!-- patchbay:job=${jobId} started -->`;
}

/** The reply posted when a job made from an issue or comment starts. */
export function startComment(job: JobRecord, jobUrl: string): string {
  const where = job.spec.output?.pullRequest ? "open a pull request and " : "";
  return `${startMarker(job.id)}\n[Patchbay job ${job.id}](${jobUrl}) started. It will ${where}reply here when it finishes.`;
}

/** A finished job's check-run conclusion: success only when it succeeded and its checks pass. */
export function conclusionOf(job: JobRecord): "success" | "failure" | "cancelled" | "timed_out" {
  if (job.status === "succeeded") return job.result?.checks.passed === false ? "failure" : "success";
  if (job.status === "cancelled" || job.status === "timed_out") return job.status;
  return "failure";
}

/** The check run's title and summary for a running or finished job. */
export function commitSummary(job: JobRecord, jobUrl: string, pullUrl?: string): { title: string; summary: string } {
  if (job.status === "queued" || job.status === "running") {
    return { title: "Patchbay is working on this commit", summary: `[Job ${job.id}](${jobUrl}) is running.` };
  }
  const reason = job.error ? `${job.error.code}: ${job.error.message}` : "";
  const title =
    job.status === "succeeded"
      ? pullUrl
        ? `Fix proposed in ${pullUrl}`
        : "Patchbay made a patch"
      : `Patchbay job ${job.status}${reason ? `: ${reason}` : ""}`;
  const parts = [`[Job ${job.id}](${jobUrl}) finished: **${job.status}**.`];
  if (pullUrl) parts.push(`Pull request: ${pullUrl}`);
  if (job.result) parts.push(job.result.summary?.trim() ?? "", checksTable(job.result.checks));
  if (reason) parts.push(reason);
  return { title: title.slice(0, 200), summary: parts.filter(Boolean).join("\n\n") };
}
