import type { PlanStep, ReviewFinding, ReviewResult } from "@patchbay/core";
import { type Job, json } from "../api.js";
import { badge, h, replace } from "../dom.js";
import { excerpt } from "../format.js";

/** The agent's plan as it last set it. */
export interface Plan {
  explanation?: string;
  steps: PlanStep[];
}

const MARK: Record<PlanStep["status"], string> = { completed: "✓", in_progress: "▶", pending: "○" };

/** The plan's steps with their state; null when the agent made no plan. */
export function planCard(plan: Plan | null | undefined): HTMLElement | null {
  if (!plan?.steps.length) return null;
  return h(
    "div",
    { class: "card", id: "plan" },
    h("h2", {}, "Plan"),
    plan.explanation ? h("p", { class: "muted" }, plan.explanation) : null,
    h(
      "ol",
      { class: "plan" },
      ...plan.steps.map((s) => h("li", { class: s.status, "data-status": s.status }, `${MARK[s.status]} ${s.step}`)),
    ),
  );
}

function finding(f: ReviewFinding): HTMLElement {
  const lines = f.startLine === f.endLine ? `${f.startLine}` : `${f.startLine}–${f.endLine}`;
  return h(
    "li",
    { class: `finding ${f.priority}`, "data-priority": f.priority },
    h("b", {}, `[${f.priority}] ${f.title}`),
    h("div", {}, h("code", {}, `${f.file}:${lines}`), h("span", { class: "muted" }, ` · confidence ${f.confidence}`)),
    h("p", {}, f.body),
  );
}

/** A review job's verdict, why, and its findings, most urgent first. */
export function reviewCard(review: ReviewResult | undefined): HTMLElement | null {
  if (!review) return null;
  const findings = [...review.findings].sort((a, b) => a.priority.localeCompare(b.priority));
  return h(
    "div",
    { class: "card", id: "review" },
    h("h2", {}, `Review: ${review.verdict === "correct" ? "looks correct" : "needs changes"}`),
    h("p", {}, review.explanation),
    h("p", { class: "muted" }, `Reviewed ${review.base.slice(0, 12)}..${review.head.slice(0, 12)}`),
    findings.length
      ? h("ol", { class: "findings" }, ...findings.map(finding))
      : h("p", { class: "muted", id: "no-findings" }, "No findings."),
  );
}

/** The job's thread: the job it follows up, and the follow-ups made from it (links). */
export async function threadCard(job: Job, el: HTMLElement): Promise<void> {
  let thread: Job[];
  try {
    thread = (await json<{ data: Job[] }>(`/v1/jobs/${job.id}/thread`)).data;
  } catch {
    return;
  }
  if (thread.length <= 1) return replace(el);
  const link = (j: Job, rel: string) =>
    h(
      "li",
      { "data-rel": rel },
      badge(j.status),
      " ",
      j.id === job.id
        ? h("b", {}, `this job: ${excerpt(j.spec.task, 70)}`)
        : h("a", { href: `#/jobs/${j.id}`, "data-job": j.id }, `${rel}: ${excerpt(j.spec.task, 70)}`),
    );
  const rel = (j: Job) =>
    j.id === job.parentId ? "parent" : j.parentId === job.id ? "follow-up" : j.id === job.id ? "this" : "thread";
  replace(
    el,
    h(
      "div",
      { class: "card", id: "thread" },
      h("h2", {}, "Thread"),
      h("ol", {}, ...thread.map((j) => link(j, rel(j)))),
    ),
  );
}
