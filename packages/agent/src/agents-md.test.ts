import { mkdir, mkdtemp, rm, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ReadFileOptions } from "@patchbay/core";
import { afterEach, describe, expect, it } from "vitest";
import { AGENTS_MD_LIMIT, AgentsDocs } from "./agents-md.js";
import { LocalWorkspace } from "./local-workspace.js";

const temps: string[] = [];
afterEach(async () => {
  await Promise.all(temps.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

/** A local workspace that notes how much each read asked for. */
class MeasuredWorkspace extends LocalWorkspace {
  readonly asked: Array<number | undefined> = [];
  override async readFile(path: string, options?: ReadFileOptions): Promise<Buffer | null> {
    this.asked.push(options?.maxBytes);
    return super.readFile(path, options);
  }
}

describe("AgentsDocs on huge instruction files", () => {
  it("never reads more of a 300 MB nested AGENTS.md than it can include, and says it was cut", async () => {
    const root = await mkdtemp(join(tmpdir(), "patchbay-agents-md-"));
    temps.push(root);
    await writeFile(join(root, "AGENTS.md"), "Root rules.\n");
    await mkdir(join(root, "pkg"));
    const huge = join(root, "pkg", "AGENTS.md");
    await writeFile(huge, "Nested rules.\n");
    await truncate(huge, 300 * 1024 * 1024);
    const workspace = new MeasuredWorkspace(root);
    const docs = await new AgentsDocs(workspace).along("pkg");
    expect(docs.map((d) => d.dir)).toEqual(["", "pkg"]);
    expect(docs[1]?.text.startsWith("Nested rules.\n")).toBe(true);
    expect(docs[1]?.text).toMatch(/AGENTS\.md truncated: only its first \d+ bytes are included/);
    expect(docs.reduce((n, d) => n + d.text.length, 0)).toBeLessThan(AGENTS_MD_LIMIT + 500);
    expect(workspace.asked.length).toBeGreaterThan(0);
    for (const max of workspace.asked) expect(max).toBeLessThanOrEqual(AGENTS_MD_LIMIT + 1);
  });
});
