import { readFile } from "node:fs/promises";
import { type ApiClient, CliError } from "../api-client.js";
import type { Out } from "./jobs.js";

interface DocumentView {
  id: string;
  source: string;
  repo: string | null;
  path: string;
  version: number;
  bytes: number;
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

const USAGE = "usage: patchbay docs add FILE... [--path NAME] | docs list | docs rm PATH|ID... [--project P]";
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The project the command works on: --project, else the API key's own (whoami). */
export async function projectOf(api: ApiClient, project: string | undefined): Promise<string> {
  if (project) return project;
  const who = (await api.send("GET", "/v1/auth/whoami")) as { projectId?: string } | null;
  if (!who?.projectId) throw new CliError("--project is required (the server did not name your key's project)");
  return who.projectId;
}

/** `patchbay docs add|list|rm`: the project's knowledge base (documents the agent can search). */
export async function docsCommand(
  api: ApiClient,
  args: readonly string[],
  flags: { project?: string; path?: string },
  out: Out,
): Promise<number> {
  const [action, ...rest] = args;
  const base = `/v1/projects/${encodeURIComponent(await projectOf(api, flags.project))}`;
  switch (action) {
    case "add": {
      if (rest.length === 0) throw new CliError(`docs add needs at least one FILE\n${USAGE}`);
      if (flags.path && rest.length > 1) throw new CliError("--path names one document: give one FILE with it");
      const results = [];
      for (const file of rest) {
        const content = await readFile(file, "utf8").catch((err: Error) => {
          throw new CliError(`cannot read ${file}: ${err.message}`);
        });
        const path = flags.path ?? file.replace(/^\.\//, "");
        const result = (await api.send("POST", `${base}/docs`, { path, content })) as {
          status: string;
          document: DocumentView;
        };
        results.push(result);
        if (!out.json) out.print(`${result.status.padEnd(9)} ${result.document.path}  ${result.document.id}`);
      }
      if (out.json) out.print(JSON.stringify({ data: results, nextCursor: null }));
      return 0;
    }
    case "list": {
      const { data } = (await api.send("GET", `${base}/docs`)) as { data: DocumentView[] };
      if (out.json) out.print(JSON.stringify({ data, nextCursor: null }));
      else if (data.length === 0) out.print("no documents");
      else for (const d of data) out.print(documentLine(d));
      return 0;
    }
    case "rm": {
      if (rest.length === 0) throw new CliError(`docs rm needs a document PATH or ID\n${USAGE}`);
      const ids = await documentIds(api, base, rest);
      for (const id of ids) await api.send("DELETE", `${base}/docs/${id}`);
      out.print(out.json ? JSON.stringify({ deleted: ids }) : `deleted ${ids.length} document(s)`);
      return 0;
    }
    default:
      throw new CliError(USAGE);
  }
}

const documentLine = (d: DocumentView) =>
  [
    d.id,
    d.source.padEnd(6),
    `v${d.version}`,
    `${d.bytes} B`,
    `${d.chunks} chunks`,
    d.repo ? `${d.repo}:${d.path}` : d.path,
  ].join("  ");

/** Ids for the arguments: an id as it is, a path looked up among the uploads (unknown: an error). */
async function documentIds(api: ApiClient, base: string, names: readonly string[]): Promise<string[]> {
  const paths = names.filter((n) => !UUID.test(n));
  const uploads =
    paths.length === 0 ? [] : ((await api.send("GET", `${base}/docs?source=upload`)) as { data: DocumentView[] }).data;
  return names.map((name) => {
    if (UUID.test(name)) return name;
    const doc = uploads.find((d) => d.path === name);
    if (!doc) throw new CliError(`no uploaded document ${name} (patchbay docs list shows them)`);
    return doc.id;
  });
}

/** `patchbay search "<query>" [--limit K] [--mode any|all]`: the best chunks of the knowledge base. */
export async function searchCommand(
  api: ApiClient,
  words: readonly string[],
  flags: { project?: string; limit?: string; mode?: string },
  out: Out,
): Promise<number> {
  const query = words.join(" ").trim();
  if (!query) throw new CliError('usage: patchbay search "<query>" [--limit K] [--mode any|all] [--project P]');
  const k = flags.limit === undefined ? undefined : Number(flags.limit);
  if (k !== undefined && !(Number.isInteger(k) && k >= 1 && k <= 50)) throw new CliError("--limit must be 1 to 50");
  const base = `/v1/projects/${encodeURIComponent(await projectOf(api, flags.project))}`;
  const body = { query, ...(k ? { k } : {}), ...(flags.mode ? { mode: flags.mode } : {}) };
  const result = (await api.send("POST", `${base}/search`, body)) as { hits: Hit[] } & Record<string, unknown>;
  if (out.json) {
    const { hits, ...rest } = result;
    out.print(JSON.stringify({ ...rest, data: hits, nextCursor: null }));
    return 0;
  }
  if (result.hits.length === 0) out.print("no matches");
  for (const h of result.hits) {
    const where = `${h.repo ? `${h.repo}:` : ""}${h.path}:${h.startLine}-${h.endLine}`;
    const heading = h.headingPath.length ? `  (${h.headingPath.join(" > ")})` : "";
    out.print(`${where}${heading}\n  ${h.text.replace(/\s+/g, " ").slice(0, 200)}`);
  }
  return 0;
}
