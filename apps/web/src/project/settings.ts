import { can, json, type Me } from "../api.js";
import { h } from "../dom.js";
import { kv, miniForm, section } from "./section.js";

interface EnvironmentSettings {
  allow: string[];
  allowHostRegistries: boolean;
  agentNetwork: string;
  agentMethods: string[];
  setup: string[];
  setupSecrets: string[];
  cacheTtlHours: number;
}

interface CachedEnvironment {
  key: string;
  repoUrl: string;
  sizeBytes: number;
  buildMs: number;
  hits: number;
  lastUsedAt: string;
  expiresAt: string;
}

const list = (items: string[], none: string) => (items.length ? items.join(", ") : none);

/** Network allowlist and setup settings (read with jobs:read; `npx patchbay` or the API change them). */
export function environmentSection(p: string): HTMLElement {
  return section("Network allowlist and setup", "project-environment", async () => {
    const s = await json<EnvironmentSettings>(`/v1/projects/${p}/environment`);
    return [
      kv([
        ["setup may reach", h("span", { id: "allowlist" }, list(s.allow, "no hosts"))],
        ["host's package registries", s.allowHostRegistries ? "allowed" : "not allowed"],
        ["agent network", s.agentNetwork === "off" ? "off" : `allowlist (${s.agentMethods.join(", ")})`],
        ["project setup commands", list(s.setup, "none")],
        ["secrets given to setup", list(s.setupSecrets, "none")],
        ["environment cache", s.cacheTtlHours ? `${s.cacheTtlHours} h` : "off"],
      ]),
    ];
  });
}

/** Cached environments; an admin can drop one so the next job builds it anew. */
export function cachedEnvironmentsSection(p: string, me: Me): HTMLElement {
  return section("Cached environments", "project-environments", async (reload) => {
    const { data } = await json<{ data: CachedEnvironment[] }>(`/v1/projects/${p}/environments`);
    if (!data.length) return [h("p", { class: "muted" }, "None cached yet: a job's setup builds one.")];
    const drop = (key: string) => {
      const b = h("button", { class: "danger", type: "button" }, "Drop");
      b.addEventListener("click", async () => {
        await json(`/v1/projects/${p}/environments/${encodeURIComponent(key)}`, { method: "DELETE" }).catch(() => null);
        reload();
      });
      return b;
    };
    return [
      h(
        "table",
        {},
        h("tr", {}, ...["Repository", "Size", "Built in", "Hits", "Expires", ""].map((t) => h("th", {}, t))),
        ...data.map((e) =>
          h(
            "tr",
            { "data-environment": e.key },
            h("td", {}, e.repoUrl),
            h("td", {}, `${(e.sizeBytes / 1_048_576).toFixed(1)} MB`),
            h("td", {}, `${(e.buildMs / 1000).toFixed(1)} s`),
            h("td", {}, e.hits),
            h("td", {}, new Date(e.expiresAt).toLocaleString()),
            h("td", {}, can(me, "admin") ? drop(e.key) : null),
          ),
        ),
      ),
    ];
  });
}

/** GitHub webhook: where to point it, and the trigger label (admin). */
export function webhookSection(p: string): HTMLElement {
  return section("GitHub webhook", "project-webhook", async (reload) => {
    const s = await json<{ triggerLabel: string; template: Record<string, unknown> }>("/v1/hooks/github/settings");
    const label = h("input", { id: "trigger-label", value: s.triggerLabel, "aria-label": "trigger label" });
    const form = miniForm("webhook-form", [label], "Save label", async () => {
      await json("/v1/hooks/github/settings", {
        method: "PUT",
        body: JSON.stringify({ triggerLabel: label.value, template: s.template }),
      });
      reload();
    });
    return [
      kv([
        ["payload URL", h("code", {}, `${location.origin}/v1/hooks/github?project=${decodeURIComponent(p)}`)],
        ["secret", "the project secret GITHUB_WEBHOOK_SECRET (set it above)"],
        ["trigger label", h("code", { id: "current-label" }, s.triggerLabel)],
        ["job template", h("pre", {}, JSON.stringify(s.template, null, 2))],
      ]),
      form,
    ];
  });
}
