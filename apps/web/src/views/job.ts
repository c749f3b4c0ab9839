import type { CheckRun, JobEvent } from "@patchbay/core";
import { ApiError, can, type Job, json } from "../api.js";
import { badge, errorCard, h, replace } from "../dom.js";
import { cost, duration, PHASES, repoName, span, TERMINAL } from "../format.js";
import { Conversation } from "../log/conversation.js";
import { addEvent, LogLines } from "../log/lines.js";
import { LogView } from "../log/log-view.js";
import { jobStream } from "../log/stream.js";
import type { PageContext } from "../main.js";
import { candidatesCard } from "./candidates.js";
import { diffSection } from "./diff.js";
import { jobActions } from "./job-actions.js";
import { planCard, reviewCard, threadCard } from "./job-sections.js";

function head(job: Job, ctx: PageContext, reload: () => void): HTMLElement {
  const actions = h("div", { class: "toolbar" });
  if (can(ctx.me, "jobs:write") && !TERMINAL.includes(job.status)) {
    const cancel = h("button", { class: "danger", id: "cancel" }, job.cancelRequested ? "Cancelling…" : "Cancel job");
    cancel.disabled = job.cancelRequested;
    cancel.addEventListener("click", async () => {
      cancel.disabled = true;
      try {
        await json(`/v1/jobs/${job.id}/cancel`, { method: "POST" });
        reload();
      } catch (err) {
        actions.append(errorCard(`Could not cancel: ${(err as Error).message}`));
      }
    });
    actions.append(cancel);
  }
  const spec = job.spec;
  return h(
    "div",
    { class: "card" },
    h(
      "h1",
      {},
      badge(job.status),
      " ",
      repoName(spec.repo.url),
      job.phase ? h("span", { class: "muted" }, ` · ${job.phase}`) : null,
    ),
    h("p", { id: "task" }, spec.task),
    h(
      "dl",
      { class: "kv" },
      h("dt", {}, "job"),
      h("dd", {}, job.id),
      h("dt", {}, "repository"),
      h("dd", {}, `${spec.repo.url}${spec.repo.ref ? ` @ ${spec.repo.ref}` : ""}`),
      h("dt", {}, "kind"),
      h("dd", {}, spec.kind ?? "change"),
      h("dt", {}, "model"),
      h("dd", {}, job.model),
      job.parentId ? h("dt", {}, "follows up") : null,
      job.parentId ? h("dd", {}, h("a", { href: `#/jobs/${job.parentId}`, id: "parent-link" }, job.parentId)) : null,
      h("dt", {}, "created"),
      h("dd", {}, new Date(job.createdAt).toLocaleString()),
      h("dt", {}, "duration"),
      h("dd", { id: "duration" }, duration(job.startedAt, job.finishedAt)),
    ),
    actions,
  );
}

function timeline(job: Job, starts: Map<string, number>): HTMLElement {
  const beside = besideRow(job, starts);
  // A baseline beside the agent is not a step of the sequence: its row goes below it.
  const phases = [...new Set([...PHASES, ...starts.keys()])]
    .filter((p) => !(beside && p === "baseline"))
    .sort((a, b) => (starts.get(a) ?? Number.POSITIVE_INFINITY) - (starts.get(b) ?? Number.POSITIVE_INFINITY));
  const seen = phases.filter((p) => starts.has(p));
  const end = job.finishedAt ? Date.parse(job.finishedAt) : Date.now();
  return h(
    "div",
    { class: "timeline", id: "timeline" },
    ...phases.map((p) => {
      const start = starts.get(p);
      const i = seen.indexOf(p);
      const nextStart = i >= 0 && i + 1 < seen.length ? starts.get(seen[i + 1]!) : undefined;
      const last = start !== undefined && nextStart === undefined;
      const state =
        start === undefined
          ? ""
          : !last
            ? "done"
            : TERMINAL.includes(job.status)
              ? job.status === "succeeded"
                ? "done"
                : "failed"
              : "current";
      const took = start === undefined ? "" : span((nextStart ?? end) - start);
      return h("div", { class: `phase ${state}`, "data-phase": p }, h("b", {}, p), took || "—");
    }),
    beside,
  );
}

/** A baseline that ran beside the agent (no `baseline` phase of its own): its checks' time, said so. */
function besideRow(job: Job, starts: Map<string, number>): HTMLElement | null {
  const before = job.result?.checks.before ?? [];
  if (starts.has("baseline") || before.length === 0) return null;
  const from = job.result?.baselineFrom;
  if (from) {
    return h(
      "div",
      { class: "phase done beside", "data-phase": "baseline", title: "an earlier job's run on the same tree" },
      h("b", {}, "baseline"),
      "reused from ",
      h("a", { href: `#/jobs/${from}` }, from.slice(0, 8)),
    );
  }
  const took = before.reduce((sum, run) => sum + run.durationMs, 0);
  return h(
    "div",
    {
      class: "phase done beside",
      "data-phase": "baseline",
      title: "run in a sandbox of its own while the agent worked",
    },
    h("b", {}, "baseline"),
    `${span(took)} beside the agent`,
  );
}

function checkTable(title: string, runs: CheckRun[]): HTMLElement {
  if (runs.length === 0) return h("p", { class: "muted" }, `${title}: none ran`);
  return h(
    "table",
    {},
    h("caption", { class: "muted" }, title),
    ...runs.map((r) =>
      h(
        "tr",
        {},
        h("td", {}, r.kind),
        h(
          "td",
          {},
          badge(r.status === "passed" ? "succeeded" : r.status === "failed" ? "failed" : "cancelled"),
          ` ${r.status}`,
        ),
        h("td", {}, h("code", {}, r.command)),
        h("td", {}, r.counts ? `${r.counts.passed} passed, ${r.counts.failed} failed` : ""),
        h("td", {}, span(r.durationMs)),
      ),
    ),
  );
}

function tests(title: string, names: string[] | undefined, id: string): HTMLElement | null {
  if (!names?.length) return null;
  return h(
    "div",
    { id },
    h("b", {}, `${title} (${names.length})`),
    h("ul", { class: "tests" }, ...names.map((n) => h("li", {}, n))),
  );
}

function outcome(job: Job): HTMLElement[] {
  const out: HTMLElement[] = [];
  if (job.error)
    out.push(h("div", { class: "card error", id: "job-error" }, h("b", {}, job.error.code), `: ${job.error.message}`));
  const r = job.result;
  if (!r) return out;
  if (r.summary) out.push(h("div", { class: "card", id: "summary" }, h("h2", {}, "Summary"), h("p", {}, r.summary)));
  const c = r.checks;
  const verdict = c.passed === null ? "no checks ran" : c.passed ? "checks pass" : "checks fail";
  out.push(
    h(
      "div",
      { class: "card", id: "checks" },
      h("h2", {}, `Checks: ${verdict}`),
      checkTable("before", c.before),
      checkTable("after", c.after),
      tests("Fixed", c.fixed, "fixed-tests"),
      tests("Newly failing", c.newlyFailing, "newly-failing"),
      tests("Still failing", c.stillFailing, "still-failing"),
      c.regressions.length ? h("p", { class: "error" }, `Regressions: ${c.regressions.join(", ")}`) : null,
    ),
  );
  const u = r.usage;
  out.push(
    h(
      "div",
      { class: "card", id: "usage" },
      h("h2", {}, "Usage"),
      h(
        "dl",
        { class: "kv" },
        h("dt", {}, "turns"),
        h("dd", {}, u.turns),
        h("dt", {}, "input tokens"),
        h("dd", {}, `${u.inputTokens} (${u.cachedInputTokens} cached)`),
        h("dt", {}, "output tokens"),
        h("dd", {}, `${u.outputTokens} (${u.reasoningTokens} reasoning)`),
        h("dt", {}, "estimated cost"),
        h("dd", {}, cost(u.estimatedCostUsd)),
        h("dt", {}, "patch"),
        h("dd", {}, `${r.patchStats.files} files, +${r.patchStats.insertions} −${r.patchStats.deletions}`),
      ),
    ),
  );
  return out;
}

/** What the action forms depend on; they are redrawn only when it changes (not while someone types). */
function actionsMode(job: Job): string {
  return `${job.status}:${job.phase === "checks" || job.phase === "finalize" ? "after-agent" : "agent"}`;
}

/**
 * One job: header and cancel, phase timeline, plan, steer/follow-up, thread, review findings,
 * outcome, the diff once finished, the model's turns, and the live log.
 */
export async function jobPage(ctx: PageContext, id: string): Promise<void> {
  replace(ctx.main, h("p", { class: "muted", id: "job-loading" }, "Loading the job…"));
  const top = h("div", { id: "job-head" });
  const phases = h("div", { class: "card" });
  const plan = h("div", {});
  const actions = h("div", { id: "job-actions" });
  const thread = h("div", {});
  const results = h("div", { id: "results" });
  const attempts = h("div", {});
  const diff = h("div", { id: "diff" }, h("p", { class: "muted" }, "The diff appears here when the job finishes."));
  const starts = new Map<string, number>();
  const lines = new LogLines();
  const conversation = new Conversation();
  const state = h("span", { class: "log-status muted", id: "log-state" }, "connecting…");
  const log = new LogView(lines, state);
  let job: Job | null = null;
  let diffShown = false;
  let mode = "";
  const draw = (job: Job) => {
    replace(
      top,
      head(job, ctx, () => void reload()),
    );
    replace(phases, h("h2", {}, "Phases"), timeline(job, starts));
    replace(plan, planCard(job.plan));
    replace(results, ...outcome(job), reviewCard(job.result?.review));
    if (actionsMode(job) !== mode) {
      mode = actionsMode(job);
      replace(actions, jobActions(job, ctx.me));
      void threadCard(job, thread);
    }
    // A person's choice of attempt changes the job's patch: the diff is drawn again.
    const chosen = () => {
      diffShown = false;
      void reload();
    };
    if (TERMINAL.includes(job.status)) void candidatesCard(job, attempts, ctx.me, chosen);
    if (TERMINAL.includes(job.status) && !diffShown && !["ask", "review"].includes(job.spec.kind ?? "change")) {
      diffShown = true;
      void diffSection(diff, job);
    }
  };
  // One request at a time: a burst of status events (a replay) makes at most one more.
  let loading: Promise<void> | null = null;
  let again = false;
  const reload = async (): Promise<void> => {
    if (loading) {
      again = true;
      return loading;
    }
    loading = json<Job>(`/v1/jobs/${id}`)
      .then((fresh) => {
        job = fresh;
        if (!ctx.signal.aborted) draw(fresh);
      })
      // The stream goes on; the next status event or tick loads it again.
      .catch(() => {})
      .finally(() => {
        loading = null;
        if (again) {
          again = false;
          void reload();
        }
      });
    return loading;
  };
  // The stream opens alongside the job's first request: its first events come a round trip sooner.
  const stream = new AbortController();
  let statusBeforeLoad = false;
  ctx.signal.addEventListener("abort", () => stream.abort());
  jobStream(
    id,
    stream.signal,
    (e: JobEvent) => {
      addEvent(lines, e);
      log.changed();
      conversation.add(e);
      if (e.type === "plan" && job) {
        job.plan = e.data;
        replace(plan, planCard(job.plan));
      }
      if (e.type !== "status") return;
      if (e.data.phase && !starts.has(e.data.phase)) starts.set(e.data.phase, Date.parse(e.ts));
      if (job) void reload();
      else statusBeforeLoad = true;
    },
    (text) => replace(state, text),
    () => job !== null && TERMINAL.includes(job.status),
  );
  try {
    job = await json<Job>(`/v1/jobs/${id}`);
  } catch (err) {
    stream.abort();
    const missing = err instanceof ApiError && err.status === 404;
    const message = missing
      ? `No job ${id} in project ${ctx.me.projectId}. Check the link, or find the job in the list.`
      : `Could not load the job: ${(err as Error).message}. Reload the page to try again.`;
    replace(ctx.main, errorCard(message), h("p", {}, h("a", { href: "#/" }, "← All jobs")));
    return;
  }
  if (ctx.signal.aborted) return;
  const showsDiff = !["ask", "review"].includes(job.spec.kind ?? "change");
  replace(
    ctx.main,
    top,
    phases,
    plan,
    actions,
    thread,
    results,
    attempts,
    showsDiff ? h("h2", {}, "Diff") : null,
    showsDiff ? diff : null,
    h("h2", {}, "Conversation"),
    conversation.el,
    h("h2", {}, "Log"),
    log.el,
  );
  draw(job);
  log.changed();
  // The first answer may predate a status the stream already showed.
  if (statusBeforeLoad) void reload();
  // Durations move while it runs.
  const tick = setInterval(() => job && !TERMINAL.includes(job.status) && draw(job), 5000);
  ctx.signal.addEventListener("abort", () => clearInterval(tick));
}
