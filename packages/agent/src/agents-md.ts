import { posix } from "node:path";
import type { Workspace } from "@patchbay/core";

/** Bytes of AGENTS.md text one run includes, over all files (Codex's project_doc_max_bytes). */
export const AGENTS_MD_LIMIT = 32 * 1024;

/** One AGENTS.md as included: where it is and the (possibly cut) text. */
export interface AgentsDoc {
  /** Folder relative to the checkout; "" for the root. */
  dir: string;
  /** The file's name: AGENTS.md, or AGENTS.override.md where a folder has one. */
  name: string;
  text: string;
}

/**
 * The repository's AGENTS.md files, handed out once each: the ones from the root down to the
 * working folder go into the instructions (Codex's rule); a nested one joins when the agent first
 * touches a file under its folder. Nearer files override farther ones. All of them together stay
 * within AGENTS_MD_LIMIT bytes.
 */
export class AgentsDocs {
  private readonly seen = new Set<string>();
  private remaining = AGENTS_MD_LIMIT;

  constructor(private readonly workspace: Workspace) {}

  /** The files from the root down to `dir` that were not handed out yet, root first. */
  async along(dir: string): Promise<AgentsDoc[]> {
    const docs: AgentsDoc[] = [];
    for (const folder of ancestors(dir)) {
      if (this.seen.has(folder)) continue;
      this.seen.add(folder);
      const doc = await this.read(folder);
      if (doc) docs.push(doc);
    }
    return docs;
  }

  /** The not yet seen files that apply to the given checkout-relative file paths. */
  async forFiles(paths: readonly string[]): Promise<AgentsDoc[]> {
    const docs: AgentsDoc[] = [];
    for (const path of paths) docs.push(...(await this.along(posix.dirname(normalise(path)))));
    return docs;
  }

  private async read(dir: string): Promise<AgentsDoc | null> {
    if (this.remaining <= 0) return null;
    // As in Codex, a folder's AGENTS.override.md replaces its AGENTS.md.
    for (const name of AGENTS_FILE_NAMES) {
      // A folder, FIFO or unreadable file of that name is no reason to fail the job. Never more
      // is read than can be kept (plus one byte, to know the file was cut): a 600 MB AGENTS.md
      // costs the worker no more than a small one.
      const path = dir === "" ? name : `${dir}/${name}`;
      const content = await this.workspace.readFile(path, { maxBytes: this.remaining + 1 }).catch(() => null);
      if (content !== null && content.length > 0) return this.keep(dir, name, content);
    }
    return null;
  }

  private keep(dir: string, name: string, content: Buffer): AgentsDoc {
    const kept = content.subarray(0, this.remaining);
    this.remaining -= kept.length;
    const text = kept.toString("utf8");
    if (content.length <= kept.length) return { dir, name, text };
    const note = `[${name} truncated: only its first ${kept.length} bytes are included (the instruction files of a run hold at most ${AGENTS_MD_LIMIT} bytes); the rest was not read]`;
    return { dir, name, text: `${text}\n\n${note}` };
  }
}

/** The instruction files a folder may hold, the one that wins first. */
const AGENTS_FILE_NAMES = ["AGENTS.override.md", "AGENTS.md"] as const;

/** "", "a", "a/b" for "a/b"; paths outside the checkout have none. */
function ancestors(dir: string): string[] {
  const clean = normalise(dir);
  if (clean === "." || clean === "") return [""];
  if (clean.startsWith("..") || clean.startsWith("/")) return [];
  const parts = clean.split("/");
  return ["", ...parts.map((_, i) => parts.slice(0, i + 1).join("/"))];
}

function normalise(path: string): string {
  return posix.normalize(path.replaceAll("\\", "/")).replace(/\/+$/, "");
}

/** How a nested AGENTS.md is shown with the tool result of the call that touched its folder. */
export function formatNestedDocs(docs: AgentsDoc[]): string {
  return docs
    .map(
      (d) =>
        `\n\n[Instructions from ${d.dir}/${d.name}: they apply to files under ${d.dir}/ and take precedence over AGENTS.md files above it]\n${d.text}`,
    )
    .join("");
}
