import type { CandidateResult } from "@patchbay/core";
import { ApiError, call, can, type Job, json, type Me } from "../api.js";
import { h, replace } from "../dom.js";
import { excerpt } from "../format.js";

type Candidate = CandidateResult & { rank: number | null; selected: boolean };

/**
 * A best-of-N job's attempts, best first: checks, tests fixed, newly failing, diff size, stated
 * confidence and cost; a key with jobs:write can make another attempt the job's (then `onSelect`).
 */
export async function candidatesCard(job: Job, el: HTMLElement, me: Me | null, onSelect: () => void): Promise<void> {
  if (!job.result?.bestOfN) return replace(el);
  let data: Candidate[];
  try {
    data = (await json<{ data: Candidate[] }>(`/v1/jobs/${job.id}/candidates`)).data;
  } catch {
    return replace(el, h("p", { class: "muted" }, "Could not load the attempts; reload to try again."));
  }
  const best = job.result.bestOfN;
  const ranked = [...data].sort((a, b) => (a.rank ?? 99) - (b.rank ?? 99));
  const writable = can(me, "jobs:write") && job.status === "succeeded" && !job.result.push;
  replace(
    el,
    h(
      "div",
      { class: "card", id: "candidates" },
      h("h2", {}, `Attempts: ${data.length}, winner ${best.winner}`),
      h(
        "p",
        { class: "muted" },
        best.selectedBy === "person" ? `Attempt ${best.selected} was selected by a person.` : "Ranked by the checks.",
      ),
      h(
        "table",
        { class: "candidates" },
        h("tr", {}, ...["#", "attempt", "checks", "fixed", "newly failing", "diff", "confidence", "cost", ""].map(th)),
        ...ranked.map((c) => row(c, writable, () => select(job.id, c.n, el, onSelect))),
      ),
    ),
  );
}

function th(text: string): HTMLElement {
  return h("th", {}, text);
}

function row(c: Candidate, writable: boolean, choose: () => void): HTMLElement {
  const checks = c.status === "failed" ? `failed: ${c.error?.code ?? "error"}` : checksText(c.checks.passed);
  const action = c.selected
    ? h("b", {}, "held")
    : writable && c.status === "finished"
      ? h("button", { type: "button", "data-select": String(c.n), onclick: choose }, "Use this attempt")
      : null;
  return h(
    "tr",
    { "data-attempt": String(c.n), class: c.selected ? "selected" : "" },
    h("td", {}, String(c.rank ?? "")),
    h("td", { title: c.summary ?? "" }, `${c.n} ${excerpt(c.summary ?? "", 40)}`),
    h("td", {}, checks),
    h("td", {}, String(c.checks.fixed?.length ?? 0)),
    h("td", {}, String(c.checks.newlyFailing?.length ?? c.checks.regressions.length)),
    h("td", {}, `+${c.patchStats.insertions} −${c.patchStats.deletions}`),
    h("td", {}, c.confidence === null ? "" : String(c.confidence)),
    h("td", {}, c.usage.estimatedCostUsd === null ? "" : `$${c.usage.estimatedCostUsd.toFixed(4)}`),
    h("td", {}, action),
  );
}

function checksText(passed: boolean | null): string {
  if (passed === null) return "no checks ran";
  return passed ? "all pass" : "failing";
}

async function select(jobId: string, n: number, el: HTMLElement, onSelect: () => void): Promise<void> {
  try {
    await call(`/v1/jobs/${jobId}/candidates/${n}/select`, { method: "POST" });
    onSelect();
  } catch (err) {
    const message = err instanceof ApiError ? err.message : String(err);
    el.append(h("p", { class: "error", role: "alert" }, `Could not select attempt ${n}: ${message}`));
  }
}
