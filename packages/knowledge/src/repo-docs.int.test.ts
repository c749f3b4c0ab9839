import { mkdir, mkdtemp, open, rm, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { ExecResult, ReadFileOptions, Workspace } from "@patchbay/core";
import { afterAll, describe, expect, it } from "vitest";
import { KnowledgeBase } from "./knowledge-base.js";
import { indexRepository } from "./repo-docs.js";
import { testPool, testProject } from "./test-support/db.js";

const pool = testPool();
const kb = new KnowledgeBase({ pool });
const cleanups: Array<() => Promise<void>> = [];

afterAll(async () => {
  for (const c of cleanups) await c();
  await pool.end();
});

/** A checkout in a host folder that notes how much each read asked for. */
class FolderWorkspace implements Workspace {
  readonly asked: Array<number | undefined> = [];
  constructor(
    readonly root: string,
    private readonly files: string[],
  ) {}
  async exec(): Promise<ExecResult> {
    const stdout = this.files.map((f) => `${f}\0`).join("");
    return { exitCode: 0, stdout, stderr: "", timedOut: false, durationMs: 0, truncatedBytes: 0 };
  }
  async readFile(path: string, options?: ReadFileOptions): Promise<Buffer | null> {
    this.asked.push(options?.maxBytes);
    const file = await open(join(this.root, path), "r");
    try {
      const size = options?.maxBytes ?? (await file.stat()).size;
      const buffer = Buffer.alloc(size);
      const { bytesRead } = await file.read(buffer, 0, size, 0);
      return buffer.subarray(0, bytesRead);
    } finally {
      await file.close();
    }
  }
  async writeFile(): Promise<void> {}
  async deleteFile(): Promise<void> {}
}

describe("indexRepository on a huge document", () => {
  it("reads no document past its size limit: a 200 MB doc is skipped, the rest indexed", async () => {
    const { id: projectId, drop } = await testProject(pool, "repo-size");
    const root = await mkdtemp(join(tmpdir(), "patchbay-repo-docs-"));
    cleanups.push(drop, () => rm(root, { recursive: true, force: true }));
    await writeFile(join(root, "README.md"), "# Demo\n\nRun `make test`.\n");
    await writeFile(join(root, "HUGE.md"), "# Huge\n");
    await truncate(join(root, "HUGE.md"), 200 * 1024 * 1024);
    const workspace = new FolderWorkspace(root, ["README.md", "HUGE.md"]);
    const summary = await indexRepository(kb, { projectId, repo: "file:///repo" }, workspace, {
      maxFileBytes: 64 * 1024,
    });
    expect(summary).toMatchObject({ files: 2, created: 1, skipped: ["HUGE.md"] });
    for (const max of workspace.asked) expect(max).toBe(64 * 1024 + 1);
  });
});

describe("indexRepository for a project with two repositories", () => {
  async function checkout(files: Record<string, string>): Promise<FolderWorkspace> {
    const root = await mkdtemp(join(tmpdir(), "patchbay-repo-docs-"));
    cleanups.push(() => rm(root, { recursive: true, force: true }));
    for (const [path, content] of Object.entries(files)) {
      await mkdir(dirname(join(root, path)), { recursive: true });
      await writeFile(join(root, path), content);
    }
    return new FolderWorkspace(root, Object.keys(files));
  }

  it("keeps one index per repository, and a job's search sees the uploads and its own repository only", async () => {
    const { id: projectId, drop } = await testProject(pool, "two-repos");
    cleanups.push(drop);
    const api = { projectId, repo: "https://git.example/team/api" };
    const web = { projectId, repo: "https://git.example/team/web" };
    await kb.ingest({
      projectId,
      source: "upload",
      path: "ops/deploy.md",
      content: "# Deploy\n\nDeploy with the zeppelin tool.\n",
    });
    const apiDocs = await checkout({
      "README.md": "# API\n\nThe API answers zeppelin requests.\n",
      "docs/auth.md": "# Auth\n",
    });
    const webDocs = await checkout({ "README.md": "# Web\n\nThe web front end renders zeppelin pages.\n" });

    expect(await indexRepository(kb, api, apiDocs)).toMatchObject({ created: 2, removed: 0 });
    // The same path in another repository is another document; the first repository's stay.
    expect(await indexRepository(kb, web, webDocs)).toMatchObject({ created: 1, removed: 0 });
    expect(await indexRepository(kb, api, apiDocs)).toMatchObject({ unchanged: 2, removed: 0 });
    const docs = await kb.list(projectId, "repo");
    expect(docs.map((d) => `${d.repo} ${d.path}`).sort()).toEqual([
      `${api.repo} README.md`,
      `${api.repo} docs/auth.md`,
      `${web.repo} README.md`,
    ]);

    const seen = async (repo?: string) =>
      (await kb.search(projectId, "zeppelin", { k: 10, ...(repo ? { repo } : {}) })).hits
        .map((h) => `${h.source}:${h.repo ?? "-"}:${h.path}`)
        .sort();
    expect(await seen(api.repo)).toEqual([`repo:${api.repo}:README.md`, "upload:-:ops/deploy.md"]);
    expect(await seen(web.repo)).toEqual([`repo:${web.repo}:README.md`, "upload:-:ops/deploy.md"]);
    expect(await seen()).toHaveLength(3);

    // A file gone from one repository leaves its index only.
    const apiLater = await checkout({ "README.md": "# API\n\nThe API answers zeppelin requests.\n" });
    expect(await indexRepository(kb, api, apiLater)).toMatchObject({ unchanged: 1, removed: 1 });
    expect((await kb.list(projectId, "repo")).map((d) => d.repo)).toEqual([api.repo, web.repo]);
  });

  it("refuses a repository document without its repository", async () => {
    await expect(
      kb.ingest({ projectId: "x", source: "repo", path: "README.md", content: "# x" }),
    ).rejects.toMatchObject({
      code: "invalid_request",
    });
  });
});
