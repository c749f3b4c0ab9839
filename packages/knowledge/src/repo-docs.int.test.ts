import { mkdtemp, open, rm, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
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
    const summary = await indexRepository(kb, projectId, workspace, { maxFileBytes: 64 * 1024 });
    expect(summary).toMatchObject({ files: 2, created: 1, skipped: ["HUGE.md"] });
    for (const max of workspace.asked) expect(max).toBe(64 * 1024 + 1);
  });
});
