import type { JobEvent } from "@patchbay/core";
import type { JobView } from "./api-client.js";

const oneLine = (v: unknown, max = 160) => {
  const s = typeof v === "string" ? v : JSON.stringify(v);
  const flat = s.replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
};

/** One human-readable line (or block, for logs) per event. */
export function formatEvent(e: JobEvent): string {
  switch (e.type) {
    case "status":
      return `● ${e.data.status}${e.data.phase ? ` · ${e.data.phase}` : ""}${e.data.message ? ` — ${e.data.message}` : ""}`;
    case "log":
      return e.data.text.replace(/\n$/, "");
    case "model":
      return `◆ model turn ${e.data.turn} (${e.data.model}): ${e.data.itemTypes.join(", ")} · in ${e.data.usage.inputTokens} / out ${e.data.usage.outputTokens} tokens${e.data.text ? `\n  ${oneLine(e.data.text, 400)}` : ""}`;
    case "tool_call":
      return `→ ${e.data.tool} ${oneLine(e.data.input)}`;
    case "tool_result":
      return `← ${e.data.tool} ${e.data.ok ? "ok" : "failed"}${e.data.exitCode != null ? ` (exit ${e.data.exitCode})` : ""}`;
    case "check":
      return `✓ ${e.data.stage} ${e.data.kind}: \`${e.data.command}\` ${e.data.passed ? "passed" : `failed (exit ${e.data.exitCode})`}`;
    case "error":
      return `✗ ${e.data.code}: ${e.data.message}`;
  }
}

/** A short report of a finished job. */
export function formatSummary(job: JobView): string {
  const lines = [`job ${job.id}: ${job.status}${job.error ? ` (${job.error.code}: ${job.error.message})` : ""}`];
  const r = job.result;
  if (r) {
    if (r.summary) lines.push(`summary: ${r.summary}`);
    lines.push(`patch: ${r.patchStats.files} file(s), +${r.patchStats.insertions} −${r.patchStats.deletions}`);
    for (const stage of ["before", "after"] as const) {
      for (const c of r.checks[stage])
        lines.push(`checks ${stage}: ${c.kind} \`${c.command}\` ${c.passed ? "pass" : "fail"}`);
    }
    if (r.checks.regressions.length) lines.push(`regressions: ${r.checks.regressions.join(", ")}`);
    lines.push(`usage: ${r.usage.turns} turn(s), ${r.usage.inputTokens} in / ${r.usage.outputTokens} out tokens`);
  }
  return lines.join("\n");
}

/** 0 succeeded with passing checks; 1 failed (or checks fail); 2 error, cancelled or timed out. */
export function exitCodeFor(job: JobView): number {
  // An `ask` job runs no checks: its answer is the result.
  if (job.status === "succeeded" && job.spec?.kind === "ask") return 0;
  if (job.status === "succeeded") return job.result?.checks.passed ? 0 : 1;
  if (job.status === "failed") return 1;
  return 2;
}
