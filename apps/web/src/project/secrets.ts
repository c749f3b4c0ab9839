import { can, json, type Me } from "../api.js";
import { h } from "../dom.js";
import { kv, miniForm, section } from "./section.js";

interface ProjectJson {
  maxRunningJobs: number | null;
  maxQueuedJobs: number | null;
}

/** The project's limits (admin). */
export function limitsSection(p: string): HTMLElement {
  return section("Limits", "project-limits", async () => {
    const b = await json<ProjectJson>(`/v1/projects/${p}`);
    return [
      kv([
        ["running at once", b.maxRunningJobs ?? "server default"],
        ["queued at most", b.maxQueuedJobs ?? "server default"],
      ]),
    ];
  });
}

/** Secret names with set and delete (admin); a value is sent once and never shown or read back. */
export function secretsSection(p: string, me: Me): HTMLElement {
  return section("Secrets", "project-secrets", async (reload) => {
    const { data } = await json<{ data: Array<{ name: string; updatedAt: string }> }>(`/v1/projects/${p}/secrets`);
    const remove = (name: string) => {
      const button = h("button", { class: "danger", type: "button", "data-delete": name }, "Delete");
      button.addEventListener("click", async () => {
        if (!confirm(`Delete secret ${name}? Jobs and setup that use it will no longer get it.`)) return;
        await json(`/v1/projects/${p}/secrets/${encodeURIComponent(name)}`, { method: "DELETE" }).catch(() => null);
        reload();
      });
      return button;
    };
    const list = data.length
      ? h(
          "table",
          { id: "secret-list" },
          ...data.map((s) =>
            h(
              "tr",
              { "data-secret": s.name },
              h("td", {}, h("code", {}, s.name)),
              h("td", { class: "muted" }, `set ${new Date(s.updatedAt).toLocaleString()}`),
              h("td", {}, can(me, "admin") ? remove(s.name) : null),
            ),
          ),
        )
      : h("p", { class: "muted", id: "no-secrets" }, "No secrets yet. Add one below; setup commands get it by name.");
    const name = h("input", { id: "secret-name", placeholder: "NAME (A-Z, 0-9, _)", "aria-label": "secret name" });
    const value = h("input", {
      id: "secret-value",
      type: "password",
      autocomplete: "new-password",
      placeholder: "value (write-only)",
      "aria-label": "secret value",
    });
    const form = miniForm("secret-form", [name, value], "Set secret", async () => {
      await json(`/v1/projects/${p}/secrets/${encodeURIComponent(name.value.trim())}`, {
        method: "PUT",
        body: JSON.stringify({ value: value.value }),
      });
      value.value = "";
      reload();
    });
    return [
      list,
      form,
      h("p", { class: "muted" }, "Values are write-only: nobody can read them back here or over the API."),
    ];
  });
}
