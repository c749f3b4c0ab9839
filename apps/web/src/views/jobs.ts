import { type Job, json } from "../api.js";
import { badge, errorCard, h, replace } from "../dom.js";
import { age, cost, duration, excerpt, repoName, STATUSES, TERMINAL } from "../format.js";
import type { PageContext } from "../main.js";

const REFRESH_MS = 2000;

function row(job: Job): HTMLTableRowElement {
  return h(
    "tr",
    { class: "job-row", "data-job": job.id, onclick: () => (location.hash = `#/jobs/${job.id}`) },
    h("td", {}, badge(job.status)),
    h("td", { class: "hide-sm" }, job.phase ?? "—"),
    h("td", {}, repoName(job.spec.repo.url)),
    h("td", {}, h("a", { href: `#/jobs/${job.id}` }, excerpt(job.spec.task) || "(no task)")),
    h("td", { class: "hide-sm", title: job.createdAt }, age(job.createdAt)),
    h("td", { class: "hide-sm" }, duration(job.startedAt, job.finishedAt)),
    h("td", { class: "hide-sm" }, cost(job.result?.usage.estimatedCostUsd)),
  );
}

/** The project's jobs, newest first: status filter, paging, refreshed while any shown job runs. */
export function jobsPage(ctx: PageContext): void {
  const params = new URLSearchParams(location.hash.split("?")[1] ?? "");
  const status = params.get("status") ?? "";
  const cursors: string[] = [];
  let cursor = "";
  const filter = h(
    "select",
    { id: "status-filter", "aria-label": "status" },
    h("option", { value: "" }, "all statuses"),
    ...STATUSES.map((s) => h("option", { value: s, selected: s === status }, s)),
  );
  filter.addEventListener("change", () => {
    location.hash = filter.value ? `#/?status=${filter.value}` : "#/";
  });
  const body = h("div", { id: "jobs" }, h("p", { class: "muted" }, "Loading jobs…"));
  const prev = h("button", { id: "newer", disabled: true }, "← Newer");
  const next = h("button", { id: "older", disabled: true }, "Older →");
  replace(
    ctx.main,
    h("h1", {}, "Jobs"),
    h("div", { class: "toolbar" }, filter, prev, next, h("a", { class: "button", href: "#/new" }, "New job")),
    body,
  );
  let timer: ReturnType<typeof setTimeout> | undefined;
  ctx.signal.addEventListener("abort", () => clearTimeout(timer));

  const load = async () => {
    clearTimeout(timer);
    const q = new URLSearchParams({ limit: "20" });
    if (status) q.set("status", status);
    if (cursor) q.set("cursor", cursor);
    try {
      const page = await json<{ data: Job[]; nextCursor: string | null }>(`/v1/jobs?${q}`);
      if (ctx.signal.aborted) return;
      next.disabled = !page.nextCursor;
      next.onclick = () => {
        cursors.push(cursor);
        cursor = page.nextCursor ?? "";
        void load();
      };
      prev.disabled = cursors.length === 0;
      prev.onclick = () => {
        cursor = cursors.pop() ?? "";
        void load();
      };
      replace(body, page.data.length ? table(page.data) : empty(status));
      // Running jobs change status, phase, duration and cost; the first page also gains new jobs.
      const live = page.data.some((j) => !TERMINAL.includes(j.status)) || cursor === "";
      if (live) timer = setTimeout(load, REFRESH_MS);
    } catch (err) {
      if (!ctx.signal.aborted) replace(body, errorCard(`Could not load jobs: ${(err as Error).message}`));
      timer = setTimeout(load, REFRESH_MS * 3);
    }
  };
  void load();
}

function table(jobs: Job[]): HTMLElement {
  return h(
    "table",
    {},
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        h("th", {}, "Status"),
        h("th", { class: "hide-sm" }, "Phase"),
        h("th", {}, "Repository"),
        h("th", {}, "Task"),
        h("th", { class: "hide-sm" }, "Age"),
        h("th", { class: "hide-sm" }, "Duration"),
        h("th", { class: "hide-sm" }, "Cost"),
      ),
    ),
    h("tbody", {}, ...jobs.map(row)),
  );
}

function empty(status: string): HTMLElement {
  return h(
    "div",
    { class: "card", id: "no-jobs" },
    status
      ? `No ${status} jobs. Choose another status above.`
      : "No jobs yet. Submit one with New job, or from a terminal with `npx patchbay submit`.",
  );
}
