import { type Job, json } from "../api.js";
import { badge, errorCard, h, replace } from "../dom.js";
import { age, cost, duration, excerpt, repoName, STATUSES, TERMINAL } from "../format.js";
import type { PageContext } from "../main.js";

const REFRESH_MS = 2000;
const PAGE_SIZE = 20;
const KINDS = ["change", "ask", "review"];
/** The list's filters, as the URL (`#/?status=&kind=&repo=&q=`) and the API's query both name them. */
const FILTERS = ["status", "kind", "repo", "q"] as const;
type Filters = Record<(typeof FILTERS)[number], string>;

function row(job: Job): HTMLTableRowElement {
  return h(
    "tr",
    { class: "job-row", "data-job": job.id, onclick: () => (location.hash = `#/jobs/${job.id}`) },
    h("td", {}, badge(job.status)),
    h("td", { class: "hide-sm" }, job.phase ?? "—"),
    h("td", { class: "hide-sm" }, job.spec.kind ?? "change"),
    h("td", { title: job.spec.repo.url }, repoName(job.spec.repo.url)),
    h("td", {}, h("a", { href: `#/jobs/${job.id}` }, excerpt(job.spec.task) || "(no task)")),
    h("td", { class: "hide-sm", title: job.createdAt }, age(job.createdAt)),
    h("td", { class: "hide-sm" }, duration(job.startedAt, job.finishedAt)),
    h("td", { class: "hide-sm" }, cost(job.result?.usage.estimatedCostUsd)),
  );
}

function select(id: string, label: string, all: string, values: string[], chosen: string): HTMLSelectElement {
  return h(
    "select",
    { id, "aria-label": label },
    h("option", { value: "" }, all),
    ...values.map((v) => h("option", { value: v, selected: v === chosen }, v)),
  );
}

function filtersFromUrl(): Filters {
  const params = new URLSearchParams(location.hash.split("?")[1] ?? "");
  return Object.fromEntries(FILTERS.map((f) => [f, params.get(f) ?? ""])) as Filters;
}

/** Keeps the filters in the URL (shareable, kept on back) without re-rendering the page. */
function filtersToUrl(filters: Filters): void {
  const q = new URLSearchParams(Object.entries(filters).filter(([, v]) => v !== ""));
  history.replaceState(null, "", `#/${q.toString() ? `?${q}` : ""}`);
}

/** The filter controls; `changed` runs (typing debounced) with the filters updated in place. */
function filterBar(filters: Filters, changed: () => void, signal: AbortSignal) {
  const repos = new Set<string>(filters.repo ? [filters.repo] : []);
  const status = select("status-filter", "status", "all statuses", STATUSES, filters.status);
  const kind = select("kind-filter", "kind", "all kinds", KINDS, filters.kind);
  const repoList = h("datalist", { id: "repo-options" });
  const repo = h("input", {
    id: "repo-filter",
    "aria-label": "repository URL",
    list: "repo-options",
    placeholder: "repository URL",
    value: filters.repo,
  });
  const text = h("input", {
    id: "text-filter",
    type: "search",
    "aria-label": "search tasks and repositories",
    placeholder: "search task or repository",
    value: filters.q,
  });
  const read = () => {
    Object.assign(filters, { status: status.value, kind: kind.value, repo: repo.value.trim(), q: text.value.trim() });
    filtersToUrl(filters);
    changed();
  };
  for (const input of [status, kind, repo]) input.addEventListener("change", read);
  let typing: ReturnType<typeof setTimeout> | undefined;
  text.addEventListener("input", () => {
    clearTimeout(typing);
    typing = setTimeout(read, 250);
  });
  signal.addEventListener("abort", () => clearTimeout(typing));
  return {
    el: h("div", { class: "toolbar filters" }, status, kind, repo, repoList, text),
    /** Offers the repositories seen so far in the repository box. */
    saw(jobs: Job[]) {
      for (const j of jobs) repos.add(j.spec.repo.url);
      replace(repoList, ...[...repos].sort().map((r) => h("option", { value: r })));
    },
  };
}

/** The project's jobs, newest first: filters, paging, refreshed while jobs run or new ones may come. */
export function jobsPage(ctx: PageContext): void {
  const filters = filtersFromUrl();
  const cursors: string[] = [];
  let cursor = "";
  let timer: ReturnType<typeof setTimeout> | undefined;
  let generation = 0;
  ctx.signal.addEventListener("abort", () => clearTimeout(timer));
  const bar = filterBar(
    filters,
    () => {
      cursors.length = 0;
      cursor = "";
      void load();
    },
    ctx.signal,
  );
  const body = h("div", { id: "jobs" }, h("p", { class: "muted", id: "jobs-loading" }, "Loading jobs…"));
  const pageInfo = h("span", { class: "muted", id: "page-info" });
  const prev = h("button", { id: "newer", disabled: true }, "← Newer");
  const next = h("button", { id: "older", disabled: true }, "Older →");
  prev.onclick = () => {
    cursor = cursors.pop() ?? "";
    void load();
  };
  replace(
    ctx.main,
    h("h1", {}, "Jobs"),
    bar.el,
    h("div", { class: "toolbar" }, prev, next, pageInfo, h("a", { class: "button", href: "#/new" }, "New job")),
    body,
  );

  const load = async () => {
    clearTimeout(timer);
    const mine = ++generation;
    const q = new URLSearchParams({ limit: String(PAGE_SIZE) });
    for (const f of FILTERS) if (filters[f]) q.set(f, filters[f]);
    if (cursor) q.set("cursor", cursor);
    try {
      const page = await json<{ data: Job[]; nextCursor: string | null }>(`/v1/jobs?${q}`);
      // A newer filter's answer wins over a slower older one.
      if (ctx.signal.aborted || mine !== generation) return;
      next.disabled = !page.nextCursor;
      next.onclick = () => {
        cursors.push(cursor);
        cursor = page.nextCursor ?? "";
        void load();
      };
      prev.disabled = cursors.length === 0;
      replace(pageInfo, `page ${cursors.length + 1}`);
      bar.saw(page.data);
      replace(body, page.data.length ? table(page.data) : empty(filters));
      // Running jobs change status, phase, duration and cost; the first page also gains new jobs.
      const live = page.data.some((j) => !TERMINAL.includes(j.status)) || cursor === "";
      if (live) timer = setTimeout(load, REFRESH_MS);
    } catch (err) {
      if (ctx.signal.aborted || mine !== generation) return;
      const message = `Could not load jobs: ${(err as Error).message}. Retrying in a few seconds; check the filters.`;
      replace(body, errorCard(message));
      timer = setTimeout(load, REFRESH_MS * 3);
    }
  };
  void load();
}

function table(jobs: Job[]): HTMLElement {
  const th = (label: string, small = false) => h("th", { class: small ? "hide-sm" : null }, label);
  return h(
    "table",
    { class: "jobs" },
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        th("Status"),
        th("Phase", true),
        th("Kind", true),
        th("Repository"),
        th("Task"),
        th("Age", true),
        th("Duration", true),
        th("Cost", true),
      ),
    ),
    h("tbody", {}, ...jobs.map(row)),
  );
}

function empty(filters: Filters): HTMLElement {
  const filtered = FILTERS.some((f) => filters[f]);
  return h(
    "div",
    { class: "card", id: "no-jobs" },
    filtered
      ? "No jobs match these filters. Clear or change them above."
      : "No jobs yet. Submit one with New job, or from a terminal with `npx patchbay submit`.",
  );
}
