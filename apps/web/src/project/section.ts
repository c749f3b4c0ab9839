import { ApiError } from "../api.js";
import { errorCard, h, replace } from "../dom.js";

/** Says what an API error means for this page: a scope to ask for, or what to try. */
export function explain(err: unknown): HTMLElement {
  if (err instanceof ApiError && err.status === 403) {
    return h("p", { class: "muted forbidden" }, `Your key may not use this (${err.message}). Ask an admin.`);
  }
  if (err instanceof ApiError && err.status === 503) {
    return h("p", { class: "muted" }, `Not available on this server: ${err.message}`);
  }
  const details = err instanceof ApiError ? err.details.map((d) => `${d.path}: ${d.message}`).join("; ") : "";
  return errorCard(`${(err as Error).message}${details ? ` (${details})` : ""}`);
}

/**
 * A card that loads its content and can reload it after a change; a 403 names the scope
 * instead of failing the page.
 */
export function section(title: string, id: string, load: (reload: () => void) => Promise<HTMLElement[]>): HTMLElement {
  const body = h("div", {}, h("p", { class: "muted" }, "Loading…"));
  const card = h("div", { class: "card", id }, h("h2", {}, title), body);
  const reload = () => {
    load(reload)
      .then((els) => replace(body, ...els))
      .catch((err) => replace(body, explain(err)));
  };
  reload();
  return card;
}

/** A small form whose submit runs `act`; errors show under it, in the API's words. */
export function miniForm(id: string, fields: HTMLElement[], label: string, act: () => Promise<void>): HTMLElement {
  const out = h("div", { role: "alert" });
  const button = h("button", { type: "submit", class: "primary" }, label);
  const form = h("form", { class: "toolbar", id }, ...fields, button, out);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    button.disabled = true;
    replace(out);
    try {
      await act();
    } catch (err) {
      replace(out, explain(err));
    } finally {
      button.disabled = false;
    }
  });
  return form;
}

/** A definition list from label/value pairs. */
export function kv(pairs: Array<[string, string | number | HTMLElement]>): HTMLElement {
  return h("dl", { class: "kv" }, ...pairs.flatMap(([k, v]) => [h("dt", {}, k), h("dd", {}, v)]));
}
