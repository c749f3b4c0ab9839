import { ApiError, can, type Job, json } from "../api.js";
import { h, replace } from "../dom.js";
import type { PageContext } from "../main.js";

const field = (label: string, id: string, input: HTMLElement, hint?: string) =>
  h("div", {}, h("label", { for: id }, label), input, hint ? h("small", { class: "muted" }, hint) : null);

/** Reads the form into a JobSpec; empty fields are left out so the API's defaults apply. */
function specOf(form: HTMLFormElement): Record<string, unknown> {
  const v = (name: string) => (form.elements.namedItem(name) as HTMLInputElement).value.trim();
  const num = (name: string) => (v(name) === "" ? undefined : Number(v(name)));
  const limits = { timeoutSec: num("timeoutSec"), maxTurns: num("maxTurns"), maxCostUsd: num("maxCostUsd") };
  const checks = { test: v("test") || undefined, lint: v("lint") || undefined };
  return {
    repo: { url: v("url"), ...(v("ref") ? { ref: v("ref") } : {}) },
    task: v("task"),
    ...(v("model") ? { model: v("model") } : {}),
    ...(Object.values(limits).some((x) => x !== undefined) ? { limits } : {}),
    ...(checks.test || checks.lint ? { checks } : {}),
  };
}

/** The submit form: shows the API's own validation messages, opens the job when accepted. */
export function submitPage(ctx: PageContext): void {
  const errors = h("div", { id: "submit-errors", role: "alert" });
  const form = h(
    "form",
    { class: "card stack", id: "submit", novalidate: true },
    h("h1", {}, "New job"),
    can(ctx.me, "jobs:write")
      ? null
      : h("p", { class: "error" }, "This key has no jobs:write scope: the API will refuse to submit."),
    field(
      "Repository URL",
      "url",
      h("input", { id: "url", name: "url", placeholder: "https://git.example.com/team/repo.git" }),
    ),
    field(
      "Ref",
      "ref",
      h("input", { id: "ref", name: "ref", placeholder: "main (default: the repository's default branch)" }),
    ),
    field(
      "Task",
      "task",
      h("textarea", { id: "task-input", name: "task", placeholder: "What should change, in plain words" }),
    ),
    field("Model", "model", h("input", { id: "model", name: "model", placeholder: "default: the server's model" })),
    h(
      "div",
      { class: "row" },
      field(
        "Timeout (s)",
        "timeoutSec",
        h("input", { id: "timeoutSec", name: "timeoutSec", type: "number", placeholder: "1800" }),
      ),
      field(
        "Max turns",
        "maxTurns",
        h("input", { id: "maxTurns", name: "maxTurns", type: "number", placeholder: "50" }),
      ),
      field(
        "Max cost (USD)",
        "maxCostUsd",
        h("input", { id: "maxCostUsd", name: "maxCostUsd", type: "number", step: "0.01" }),
      ),
    ),
    h(
      "div",
      { class: "row" },
      field("Test command", "test", h("input", { id: "test", name: "test", placeholder: "detected when empty" })),
      field("Lint command", "lint", h("input", { id: "lint", name: "lint", placeholder: "detected when empty" })),
    ),
    h("p", {}, h("button", { class: "primary", type: "submit", id: "submit-button" }, "Submit job")),
    errors,
  );
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    replace(errors);
    const button = form.querySelector("button[type=submit]") as HTMLButtonElement;
    button.disabled = true;
    try {
      const job = await json<Job>("/v1/jobs", { method: "POST", body: JSON.stringify(specOf(form)) });
      location.hash = `#/jobs/${job.id}`;
    } catch (err) {
      const apiErr = err instanceof ApiError ? err : null;
      replace(
        errors,
        h(
          "div",
          { class: "card error" },
          apiErr?.status === 403 ? `Refused (403): ${apiErr.message}` : (err as Error).message,
        ),
        apiErr?.details.length
          ? h("ul", { class: "error" }, ...apiErr.details.map((d) => h("li", {}, `${d.path}: ${d.message}`)))
          : null,
      );
    } finally {
      button.disabled = false;
    }
  });
  replace(ctx.main, form);
}
