import type { Workspace } from "@patchbay/core";
import type { KnowledgeBase } from "./knowledge-base.js";

export interface RepoIndexOptions {
  /** Also index source code (TS/JS/Python), after the docs. */
  includeCode?: boolean;
  maxFiles?: number;
  maxFileBytes?: number;
  signal?: AbortSignal;
  /**
   * Reads every selected file at once (files over `maxBytes` left out); without it each file is
   * one `readFile`. A workspace behind a round trip per call (a sandbox) wants this.
   */
  readMany?: (paths: readonly string[], maxBytes: number) => Promise<Map<string, Buffer>>;
}

/**
 * A checkout read without a workspace (e.g. from its git index on the worker): its tracked paths,
 * and the selected files' bytes (files over `maxBytes` left out).
 */
export interface RepoFiles {
  listFiles(): Promise<string[]>;
  readMany(paths: readonly string[], maxBytes: number): Promise<Map<string, Buffer>>;
}

export interface RepoIndexSummary {
  files: number;
  created: number;
  updated: number;
  unchanged: number;
  removed: number;
  skipped: string[];
}

const DOC =
  /(^|\/)(README[^/]*|AGENTS\.md|CONTRIBUTING[^/]*|[^/]+\.(md|mdx|markdown))$|^docs\/.+\.(txt|html?|rst|adoc)$/i;
const CODE = /\.(ts|tsx|mts|cts|js|jsx|mjs|cjs|py)$/i;
// Vendored and generated trees say nothing about the team's own conventions.
const IGNORED = /(^|\/)(node_modules|vendor|dist|build|\.git|generated|__pycache__|\.venv)\//;

/** The repository files worth indexing: docs first (README, AGENTS.md, docs/**, *.md), then code. */
export function selectRepoFiles(paths: string[], includeCode: boolean, maxFiles: number): string[] {
  const usable = paths.filter((p) => p !== "" && !IGNORED.test(p));
  const docs = usable.filter((p) => DOC.test(p));
  const code = includeCode ? usable.filter((p) => CODE.test(p) && !/\.(test|spec|d)\.[a-z]+$/i.test(p)) : [];
  return [...docs, ...code].slice(0, maxFiles);
}

/** Whose repository index: the project's, for one repository (its normalized URL). */
export interface RepoIndexScope {
  projectId: string;
  repo: string;
}

/**
 * Indexes the checkout's docs (and code) as the project's `repo` documents of this repository:
 * unchanged files cost one hash comparison; files gone from the repository are removed from its
 * index. Other repositories of the project keep theirs.
 */
export async function indexRepository(
  kb: KnowledgeBase,
  scope: RepoIndexScope,
  source: Workspace | RepoFiles,
  options: RepoIndexOptions = {},
): Promise<RepoIndexSummary> {
  const maxFileBytes = options.maxFileBytes ?? 256 * 1024;
  const paths = "listFiles" in source ? await source.listFiles() : await listWorkspace(source, options.signal);
  const files = selectRepoFiles(paths, options.includeCode ?? true, options.maxFiles ?? 400);
  const summary: RepoIndexSummary = {
    files: files.length,
    created: 0,
    updated: 0,
    unchanged: 0,
    removed: 0,
    skipped: [],
  };
  const batch =
    "listFiles" in source
      ? await source.readMany(files, maxFileBytes)
      : options.readMany
        ? await options.readMany(files, maxFileBytes)
        : null;
  for (const path of files) {
    if (options.signal?.aborted) break;
    // One byte more than the limit tells a too-big file apart without reading it whole; a FIFO
    // or an unreadable file is skipped like a binary one.
    const content = batch
      ? (batch.get(path) ?? null)
      : "listFiles" in source
        ? null
        : await source.readFile(path, { maxBytes: maxFileBytes + 1 }).catch(() => null);
    if (!content || content.length > maxFileBytes || content.includes(0)) {
      summary.skipped.push(path);
      continue;
    }
    const result = await kb.ingest({ ...scope, source: "repo", path, content: content.toString("utf8") });
    if (result.status === "created") summary.created++;
    else if (result.status === "updated") summary.updated++;
    else summary.unchanged++;
  }
  const keep = new Set(files);
  for (const doc of await kb.list(scope.projectId, "repo", scope.repo)) {
    if (keep.has(doc.path)) continue;
    await kb.delete(scope.projectId, doc.id);
    summary.removed++;
  }
  return summary;
}

/** The workspace's tracked files (`git ls-files` in it). */
async function listWorkspace(workspace: Workspace, signal?: AbortSignal): Promise<string[]> {
  const listed = await workspace.exec("git ls-files -z", { timeoutMs: 30_000, ...(signal ? { signal } : {}) });
  if (listed.exitCode !== 0) throw new Error(`git ls-files failed: ${listed.stderr.trim() || listed.stdout.trim()}`);
  return listed.stdout.split("\0");
}
