import { can } from "../api.js";
import { h, replace } from "../dom.js";
import type { PageContext } from "../main.js";
import { knowledgeSection } from "../project/knowledge.js";
import { limitsSection, secretsSection } from "../project/secrets.js";
import { cachedEnvironmentsSection, environmentSection, webhookSection } from "../project/settings.js";

/**
 * The project's settings as this key may see them: limits, secrets, webhook (admin), network
 * allowlist and cached environments, knowledge documents with search (jobs:read).
 */
export function projectPage(ctx: PageContext): void {
  const p = encodeURIComponent(ctx.me.projectId);
  const admin = can(ctx.me, "admin");
  replace(
    ctx.main,
    h("h1", {}, `Project ${ctx.me.projectId}`),
    admin
      ? null
      : h(
          "p",
          { class: "muted", id: "admin-note" },
          "Limits, secrets and the webhook need a key with the admin scope.",
        ),
    admin ? limitsSection(p) : null,
    admin ? secretsSection(p, ctx.me) : null,
    environmentSection(p),
    cachedEnvironmentsSection(p, ctx.me),
    knowledgeSection(p),
    admin ? webhookSection(p) : null,
  );
}
