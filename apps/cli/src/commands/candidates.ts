import { type CandidateResult, describeCandidate } from "@patchbay/core";
import { type ApiClient, CliError } from "../api-client.js";
import type { Out } from "./jobs.js";

/** One attempt as GET /v1/jobs/:id/candidates serves it. */
type CandidateView = CandidateResult & { rank: number | null; selected: boolean };

interface CandidatesView {
  attempts: number;
  bestOfN: { winner: number; selected: number; selectedBy: string } | null;
  data: CandidateView[];
}

/**
 * `patchbay candidates <job-id>`: a best-of-N job's attempts, best first; `patchbay candidates
 * <job-id> select <n>`: makes attempt n the job's outcome.
 */
export async function candidatesCommand(api: ApiClient, args: readonly string[], out: Out): Promise<number> {
  const [jobId, action, n] = args;
  if (!jobId) throw new CliError("usage: patchbay candidates <job-id> [select <n>]");
  const base = `/v1/jobs/${encodeURIComponent(jobId)}/candidates`;
  if (action === "select") {
    if (!n) throw new CliError("candidates select needs an attempt number (see patchbay candidates <job-id>)");
    const job = (await api.send("POST", `${base}/${encodeURIComponent(n)}/select`)) as { id: string };
    out.print(out.json ? JSON.stringify(job) : `job ${job.id} now holds attempt ${n}'s patch`);
    return 0;
  }
  if (action !== undefined) throw new CliError(`unknown candidates action ${action} (select)`);
  const view = (await api.send("GET", base)) as CandidatesView;
  if (out.json) {
    out.print(JSON.stringify(view));
    return 0;
  }
  if (view.data.length === 0) {
    out.print(`job ${jobId} ran one attempt (submit with --attempts N for best-of-N)`);
    return 0;
  }
  const ranked = [...view.data].sort((a, b) => (a.rank ?? 99) - (b.rank ?? 99));
  for (const c of ranked) out.print(candidateLine(c));
  if (view.bestOfN)
    out.print(
      `winner by the checks: ${view.bestOfN.winner}; held: ${view.bestOfN.selected} (${view.bestOfN.selectedBy})`,
    );
  return 0;
}

/** "* 2: all checks pass, 1 fixed, 0 newly failing, +4 −1, confidence 60  hidden: resolved  $0.0123  slugify() drops …". */
export function candidateLine(c: CandidateView): string {
  const mark = c.selected ? "*" : " ";
  const extra = [
    ...(c.hidden ? [c.hidden.resolved ? "hidden: resolved" : "hidden: not resolved"] : []),
    ...(c.usage.estimatedCostUsd !== null ? [`$${c.usage.estimatedCostUsd.toFixed(4)}`] : []),
    ...(c.status === "finished" ? [(c.summary ?? "").split("\n")[0]?.slice(0, 60) ?? ""] : [c.error?.message ?? ""]),
  ];
  // The same words as result.bestOfN.ranking: one description of an attempt, in core.
  return `${mark} ${describeCandidate(c)}  ${extra.join("  ")}`.trimEnd();
}
