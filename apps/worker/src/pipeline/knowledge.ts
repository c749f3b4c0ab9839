import type { DocChunk, SearchDocs } from "@patchbay/agent";
import type { Citation, EventSink } from "@patchbay/core";
import { indexRepository, type KnowledgeBase, type RepoFiles } from "@patchbay/knowledge";
import type { Logger } from "pino";
import { normalizeRepoUrl } from "../environment/environment-key.js";
import { type HostIndex, indexedPaths } from "../environment/index-reader.js";

/** Whose knowledge a job sees: its project's uploads and the docs of its repository. */
export interface JobKnowledgeScope {
  projectId: string;
  /** The job's `repo.url`; kept by its normalized form, so `…/r.git` and `…/r/` are one repository. */
  repoUrl: string;
}

/**
 * The job's view of its project's knowledge base: indexes the checkout's docs at the start (as
 * its repository's index, beside the project's other repositories), answers the agent's
 * search_docs calls from the uploads and that repository, and remembers what they returned as
 * citations.
 */
export class JobKnowledge {
  private readonly cited = new Map<string, Citation>();
  /** The repository's indexing, once started; search_docs never reads a half-built index. */
  private indexing: Promise<void> | null = null;
  private readonly projectId: string;
  private readonly repo: string;

  constructor(
    private readonly kb: KnowledgeBase,
    scope: JobKnowledgeScope,
    private readonly emit: EventSink,
    private readonly log: Logger,
  ) {
    this.projectId = scope.projectId;
    this.repo = normalizeRepoUrl(scope.repoUrl);
  }

  /**
   * Indexes the repository's docs and code from the host checkout's git index (the commit as
   * cloned: nothing the agent does reaches it); a failure is logged and the job goes on without
   * them. With `redact`, every file is indexed with the project's secrets taken out (the index
   * outlives the job and its passages go to later jobs' models). Runs once per job.
   */
  indexRepository(index: HostIndex, signal: AbortSignal, redact?: (text: string) => string): Promise<void> {
    this.indexing ??= this.index(index, signal, redact);
    return this.indexing;
  }

  /** The indexing started by `indexRepository`, if any (it never rejects). */
  indexed(): Promise<void> | null {
    return this.indexing;
  }

  private async index(index: HostIndex, signal: AbortSignal, redact?: (text: string) => string): Promise<void> {
    const started = Date.now();
    try {
      const files: RepoFiles = {
        listFiles: async () => indexedPaths(index),
        readMany: async (paths, maxBytes) => {
          const read = await index.files(paths, maxBytes);
          return redact ? redactedFiles(read, redact) : read;
        },
      };
      const scope = { projectId: this.projectId, repo: this.repo };
      const s = await indexRepository(this.kb, scope, files, { signal });
      const text = `indexed ${s.files} repository files for search_docs (${s.created} new, ${s.updated} changed, ${s.unchanged} unchanged, ${s.removed} removed) in ${Date.now() - started} ms\n`;
      this.emit({ type: "log", data: { stream: "stdout", text, phase: "agent", source: "patchbay" } });
    } catch (err) {
      this.log.warn({ err }, "indexing the repository for search_docs failed");
      const text = `indexing the repository for search_docs failed: ${err instanceof Error ? err.message : String(err)}\n`;
      this.emit({ type: "log", data: { stream: "stderr", text, phase: "agent", source: "patchbay" } });
    }
  }

  /** The agent's search_docs: the project's best chunks, each remembered as a citation. */
  readonly searchDocs: SearchDocs = async (query, k) => {
    await this.indexing;
    const { hits } = await this.kb.search(this.projectId, query, { k, repo: this.repo });
    for (const hit of hits) this.cite(hit.source, hit.path, hit.version, hit.startLine, hit.endLine);
    return hits.map(
      (h): DocChunk => ({
        source: h.source,
        path: h.path,
        startLine: h.startLine,
        endLine: h.endLine,
        text: h.text,
        headingPath: h.headingPath,
      }),
    );
  };

  /** The documents search_docs returned, in the order first seen. */
  citations(): Citation[] {
    return [...this.cited.values()];
  }

  private cite(source: string, path: string, version: number, startLine: number, endLine: number): void {
    const key = `${source}\u0000${path}`;
    const citation = this.cited.get(key) ?? { source, path, version, lines: [] };
    if (!citation.lines.some((l) => l.startLine === startLine && l.endLine === endLine))
      citation.lines.push({ startLine, endLine });
    this.cited.set(key, citation);
  }
}

/** Text files redacted (binary files, which are not indexed, as they are). */
function redactedFiles(files: Map<string, Buffer>, redact: (text: string) => string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const [path, content] of files)
    out.set(path, content.includes(0) ? content : Buffer.from(redact(content.toString("utf8")), "utf8"));
  return out;
}

/** The task of a `kind: "ask"` job: answer, do not change anything. */
export function askTask(question: string): string {
  return [
    "Answer the question below from this repository and the team's documentation (search_docs). This is a",
    "read-only job: do not create, change or delete any file; nothing you change is kept. Your final",
    "message is the answer: name the files (with line ranges) it rests on.",
    "",
    question,
  ].join("\n");
}
