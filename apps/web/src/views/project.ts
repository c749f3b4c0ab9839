import { ApiError, json } from "../api.js";
import { errorCard, h, replace } from "../dom.js";
import type { PageContext } from "../main.js";

/** Loads one section; a 403 says which scope it needs instead of failing the page. */
async function section(
  title: string,
  id: string,
  path: string,
  show: (body: never) => HTMLElement,
): Promise<HTMLElement> {
  const card = h("div", { class: "card", id }, h("h2", {}, title));
  try {
    card.append(show(await json<never>(path)));
  } catch (err) {
    const forbidden = err instanceof ApiError && err.status === 403;
    card.append(
      forbidden
        ? h("p", { class: "muted" }, `Your key may not read this (${(err as Error).message}).`)
        : errorCard((err as Error).message),
    );
  }
  return card;
}

const pretty = (value: unknown) => h("pre", {}, JSON.stringify(value, null, 2));

/** The project's settings as this key may see them: limits and secret names (admin), environment. */
export async function projectPage(ctx: PageContext): Promise<void> {
  const p = encodeURIComponent(ctx.me.projectId);
  replace(ctx.main, h("h1", {}, `Project ${ctx.me.projectId}`), h("p", { class: "muted" }, "Loading…"));
  const cards = await Promise.all([
    section(
      "Limits and secrets",
      "project-limits",
      `/v1/projects/${p}`,
      (b: { maxRunningJobs: number | null; maxQueuedJobs: number | null; secrets: string[] }) =>
        h(
          "dl",
          { class: "kv" },
          h("dt", {}, "running at once"),
          h("dd", {}, b.maxRunningJobs ?? "server default"),
          h("dt", {}, "queued at most"),
          h("dd", {}, b.maxQueuedJobs ?? "server default"),
          h("dt", {}, "secret names"),
          h("dd", { id: "secret-names" }, b.secrets.length ? b.secrets.join(", ") : "none (values are never shown)"),
        ),
    ),
    section("Environment (network allowlist, setup)", "project-environment", `/v1/projects/${p}/environment`, pretty),
    section(
      "Cached environments",
      "project-environments",
      `/v1/projects/${p}/environments`,
      (b: { data: unknown[] }) =>
        b.data.length ? pretty(b.data) : h("p", { class: "muted" }, "None cached yet: a job's setup builds one."),
    ),
  ]);
  if (!ctx.signal.aborted) replace(ctx.main, h("h1", {}, `Project ${ctx.me.projectId}`), ...cards);
}
