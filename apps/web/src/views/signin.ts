import { ApiError, type Me, session, whoami } from "../api.js";
import { h, replace } from "../dom.js";

/** Asks for an API key, checks it with the API, and keeps it for this tab. */
export function signInPage(main: HTMLElement, done: (me: Me) => Promise<void>): void {
  const input = h("input", { id: "key", type: "password", autocomplete: "off", placeholder: "pb_…", required: true });
  const message = h("p", { id: "sign-in-error", class: "error", role: "alert" });
  const form = h(
    "form",
    { class: "card stack", id: "sign-in" },
    h("h1", {}, "Sign in"),
    h(
      "p",
      { class: "muted" },
      "Paste an API key (an operator makes one with `npx patchbay keys create --project P --scopes jobs:read,jobs:write`). " +
        "It stays in this tab only and is sent to this server alone.",
    ),
    h("label", { for: "key" }, "API key"),
    input,
    h("p", {}, h("button", { class: "primary", type: "submit" }, "Sign in")),
    message,
  );
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    replace(message);
    const key = input.value.trim();
    try {
      const me = await whoami(key);
      session.signIn(key);
      await done(me);
    } catch (err) {
      replace(
        message,
        err instanceof ApiError && err.status === 401 ? `That key was refused: ${err.message}` : (err as Error).message,
      );
    }
  });
  replace(main, form);
  input.focus();
}
