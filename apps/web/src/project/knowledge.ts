import { json } from "../api.js";
import { h, replace } from "../dom.js";
import { explain, section } from "./section.js";

interface DocumentInfo {
  id: string;
  source: string;
  repo: string | null;
  path: string;
  version: number;
  chunks: number;
  updatedAt: string;
}

interface Hit {
  path: string;
  repo: string | null;
  startLine: number;
  endLine: number;
  headingPath: string[];
  text: string;
}

function hitView(hit: Hit): HTMLElement {
  const where = `${hit.path}:${hit.startLine}–${hit.endLine}`;
  return h(
    "li",
    { class: "hit", "data-path": hit.path },
    h("code", { class: "hit-where" }, where),
    hit.repo ? h("span", { class: "muted" }, ` (${hit.repo})`) : null,
    hit.headingPath.length ? h("span", { class: "muted" }, ` · ${hit.headingPath.join(" › ")}`) : null,
    h("pre", { class: "hit-text" }, hit.text.length > 600 ? `${hit.text.slice(0, 600)}…` : hit.text),
  );
}

/** The knowledge base: its documents and a search box whose hits show path and lines. */
export function knowledgeSection(p: string): HTMLElement {
  return section("Knowledge documents", "project-knowledge", async () => {
    const { data } = await json<{ data: DocumentInfo[] }>(`/v1/projects/${p}/docs`);
    const input = h("input", {
      id: "knowledge-query",
      type: "search",
      placeholder: "search the documents",
      "aria-label": "search the documents",
    });
    const hits = h("div", { id: "knowledge-hits" });
    const form = h(
      "form",
      { class: "toolbar", id: "knowledge-search" },
      input,
      h("button", { type: "submit" }, "Search"),
    );
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      if (!input.value.trim()) return;
      replace(hits, h("p", { class: "muted" }, "Searching…"));
      try {
        const res = await json<{ hits: Hit[] }>(`/v1/projects/${p}/search`, {
          method: "POST",
          body: JSON.stringify({ query: input.value, k: 10 }),
        });
        replace(
          hits,
          res.hits.length
            ? h("ol", { class: "hits" }, ...res.hits.map(hitView))
            : h("p", { class: "muted", id: "no-hits" }, "Nothing found. Try other words."),
        );
      } catch (err) {
        replace(hits, explain(err));
      }
    });
    const docs = data.length
      ? h(
          "table",
          { id: "documents" },
          ...data.map((d) =>
            h(
              "tr",
              { "data-doc": d.path },
              h("td", {}, h("code", {}, d.path)),
              h("td", { class: "muted" }, d.source === "repo" ? `from ${d.repo}` : "uploaded"),
              h("td", { class: "muted hide-sm" }, `v${d.version}, ${d.chunks} chunks`),
            ),
          ),
        )
      : h(
          "p",
          { class: "muted", id: "no-documents" },
          "No documents yet. Upload one with `npx patchbay docs add <file>`; jobs also index their repository's docs.",
        );
    return [form, hits, docs];
  });
}
