import { ApiError, can, type Job, json, type Me } from "../api.js";
import { errorCard, h, replace } from "../dom.js";

/** Phases after which the model is not called again: steering could not reach it. */
const AFTER_AGENT = ["checks", "finalize"];

/** Says what went wrong in the API's words, with its field messages. */
function problem(err: unknown): HTMLElement {
  const apiErr = err instanceof ApiError ? err : null;
  const details = apiErr?.details.map((d) => `${d.path}: ${d.message}`).join("; ");
  return errorCard(
    `${apiErr?.status ? `${apiErr.status}: ` : ""}${(err as Error).message}${details ? ` (${details})` : ""}`,
  );
}

/** A text box with a send button; `send` gets the trimmed text and says what happened. */
function textForm(
  id: string,
  title: string,
  hint: string,
  button: string,
  send: (text: string) => Promise<HTMLElement | null>,
  extra: HTMLElement | null = null,
): HTMLElement {
  const input = h("textarea", { id: `${id}-text`, name: "text", rows: 3, placeholder: hint });
  const out = h("div", { id: `${id}-result`, role: "status" });
  const submit = h("button", { class: "primary", type: "submit", id: `${id}-send` }, button);
  const form = h("form", { class: "card stack", id }, h("h2", {}, title), input, extra, h("p", {}, submit), out);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    submit.disabled = true;
    replace(out);
    try {
      const done = await send(input.value.trim());
      input.value = "";
      replace(out, done);
    } catch (err) {
      replace(out, problem(err));
    } finally {
      submit.disabled = false;
    }
  });
  return form;
}

/** Steering a running job: the message reaches the model before its next call. */
function steerForm(job: Job): HTMLElement {
  return textForm(
    "steer",
    "Steer the agent",
    "A message for the model, e.g. “also update the README”; it arrives before the model's next turn",
    "Send message",
    async (text) => {
      const sent = await json<{ seq: number | null }>(`/v1/jobs/${job.id}/messages`, {
        method: "POST",
        body: JSON.stringify({ text }),
      });
      return h("p", { class: "muted" }, `Sent (event ${sent.seq}); it shows in the conversation once delivered.`);
    },
  );
}

/** A follow-up: a new job that starts from this one's final tree and conversation. */
function followUpForm(job: Job): HTMLElement {
  const model = h("input", {
    id: "follow-up-model",
    placeholder: `model (default: ${job.model})`,
    "aria-label": "model",
  });
  return textForm(
    "follow-up",
    "Follow up",
    "What to do next, starting from this job's result, e.g. “now add a test for it”",
    "Start follow-up job",
    async (task) => {
      const body = { task, ...(model.value.trim() ? { model: model.value.trim() } : {}) };
      const next = await json<Job>(`/v1/jobs/${job.id}/follow-ups`, { method: "POST", body: JSON.stringify(body) });
      location.hash = `#/jobs/${next.id}`;
      return null;
    },
    model,
  );
}

/** The forms this key may use on this job now: steer while the agent runs, follow up once done. */
export function jobActions(job: Job, me: Me): HTMLElement | null {
  if (!can(me, "jobs:write")) return null;
  const kind = job.spec.kind ?? "change";
  if (job.status === "running" && !AFTER_AGENT.includes(job.phase ?? "")) return steerForm(job);
  if ((job.status === "succeeded" || job.status === "failed") && kind !== "review" && job.result?.baseCommit) {
    return followUpForm(job);
  }
  return null;
}
