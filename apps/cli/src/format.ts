import type { JobEvent } from "@patchbay/core";
import type { CheckRunView, JobView } from "./api-client.js";

/** Exit code of `wait` (and `submit --wait`) for a job that succeeded but ran no checks. */
export const EXIT_NO_CHECKS_RAN = 4;
const NAMES_SHOWN = 20;

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
      return `✓ ${e.data.stage} ${e.data.kind}: \`${e.data.command}\` ${checkOutcome(e.data)}`;
    case "error":
      return `✗ ${e.data.code}: ${e.data.message}`;
    case "network":
      return `⇄ ${e.data.phase} ${e.data.method ?? "CONNECT"} ${e.data.host}:${e.data.port} ${e.data.allowed ? (e.data.status ?? "open") : `blocked${e.data.reason ? ` (${e.data.reason})` : ""}`}`;
    case "environment":
      return `▣ environment ${e.data.status} in ${e.data.ms} ms${e.data.message ? ` — ${e.data.message}` : ""}`;
    case "user_message":
      return `✉ ${e.data.delivered ? "delivered to the model" : "message sent"}: ${oneLine(e.data.text)}`;
    case "plan":
      return formatPlan(e.data.steps);
    case "hidden":
      return `◇ hidden tests ${e.data.resolved ? "resolved" : "not resolved"}: fail-to-pass ${e.data.failToPass.passed}/${e.data.failToPass.passed + e.data.failToPass.failed}, pass-to-pass ${e.data.passToPass.passed}/${e.data.passToPass.passed + e.data.passToPass.failed}${e.data.error ? ` — ${e.data.error}` : ""}`;
  }
}

/** The plan as one line: steps done, and the step in progress (else the next pending one). */
export function formatPlan(steps: ReadonlyArray<{ step: string; status: string }>): string {
  const done = steps.filter((s) => s.status === "completed").length;
  const current = steps.find((s) => s.status === "in_progress") ?? steps.find((s) => s.status === "pending");
  return `☰ plan ${done}/${steps.length} done${current ? ` · now: ${oneLine(current.step, 120)}` : ""}`;
}

/** A short report of a finished job. */
export function formatSummary(job: JobView): string {
  const lines = [`job ${job.id}: ${job.status}${job.error ? ` (${job.error.code}: ${job.error.message})` : ""}`];
  const r = job.result;
  if (r) {
    if (r.summary) lines.push(`summary: ${r.summary}`);
    lines.push(`patch: ${r.patchStats.files} file(s), +${r.patchStats.insertions} −${r.patchStats.deletions}`);
    for (const stage of ["before", "after"] as const) {
      for (const c of r.checks[stage]) lines.push(`checks ${stage}: ${c.kind} \`${c.command}\` ${runOutcome(c)}`);
    }
    const { passed } = r.checks;
    lines.push(`checks: ${passed === null ? "no checks ran" : passed ? "pass" : "do not pass"}`);
    if (r.checks.regressions.length) lines.push(`regressions: ${r.checks.regressions.join(", ")}`);
    if (r.checks.fixed?.length) lines.push(`fixed tests: ${names(r.checks.fixed)}`);
    if (r.checks.newlyFailing?.length) lines.push(`newly failing tests: ${names(r.checks.newlyFailing)}`);
    if (r.checks.stillFailing?.length) lines.push(`still failing tests: ${r.checks.stillFailing.length}`);
    lines.push(`usage: ${r.usage.turns} turn(s), ${r.usage.inputTokens} in / ${r.usage.outputTokens} out tokens`);
  }
  return lines.join("\n");
}

/**
 * 0 succeeded with passing checks; 1 failed (or checks fail); 2 error, cancelled or timed out;
 * 4 succeeded but no checks ran (none detected or configured, or none installed).
 */
export function exitCodeFor(job: JobView): number {
  // An `ask` job runs no checks: its answer is the result.
  if (job.status === "succeeded" && (job.spec?.kind === "ask" || job.spec?.kind === "review")) return 0;
  if (job.status === "succeeded") {
    const passed = job.result?.checks.passed;
    return passed === null ? EXIT_NO_CHECKS_RAN : passed ? 0 : 1;
  }
  if (job.status === "failed") return 1;
  return 2;
}

function runOutcome(run: CheckRunView): string {
  if (run.status === "unavailable") return `unavailable${run.reason ? ` (${run.reason})` : ""}`;
  const counts = run.counts ? ` (${run.counts.passed} passed, ${run.counts.failed} failed)` : "";
  return `${run.passed ? "pass" : "fail"}${counts}`;
}

function checkOutcome(data: { passed: boolean; exitCode: number | null; status?: string; reason?: string }): string {
  if (data.status === "unavailable") return `unavailable${data.reason ? ` (${data.reason})` : ""}`;
  return data.passed ? "passed" : `failed (exit ${data.exitCode})`;
}

/** Test names, the first few of a long list. */
function names(list: string[]): string {
  const shown = list.slice(0, NAMES_SHOWN).join(", ");
  return list.length > NAMES_SHOWN ? `${shown} … and ${list.length - NAMES_SHOWN} more` : shown;
}
