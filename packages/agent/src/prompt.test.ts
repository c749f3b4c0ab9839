import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { LocalWorkspace } from "./local-workspace.js";
import { AGENTS_MD_LIMIT, buildInstructions } from "./prompt.js";

const temps: string[] = [];
afterEach(async () => {
  await Promise.all(temps.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

async function workspaceWith(agentsMd: string | null): Promise<LocalWorkspace> {
  const root = await mkdtemp(join(tmpdir(), "patchbay-prompt-"));
  temps.push(root);
  if (agentsMd !== null) await writeFile(join(root, "AGENTS.md"), agentsMd);
  return new LocalWorkspace(root);
}

describe("buildInstructions", () => {
  it("names the workspace and the tools", async () => {
    const workspace = await workspaceWith(null);
    const text = await buildInstructions(workspace);
    expect(text).toContain(workspace.root);
    expect(text).toContain("`shell`");
    expect(text).toContain("`apply_patch`");
    expect(text).not.toContain("AGENTS.md (repository instructions");
  });

  it("caps a huge AGENTS.md and says so", async () => {
    const workspace = await workspaceWith(`START\n${"x".repeat(AGENTS_MD_LIMIT * 2)}\nEND\n`);
    const text = await buildInstructions(workspace);
    expect(text).toContain("START");
    expect(text).not.toContain("END");
    expect(text).toMatch(/AGENTS\.md truncated: only its first \d+ bytes are included/);
    expect(text.length).toBeLessThan(AGENTS_MD_LIMIT + 4000);
  });

  it("takes a folder's AGENTS.override.md instead of its AGENTS.md, as Codex does", async () => {
    const workspace = await workspaceWith("Use npm.\n");
    await writeFile(join(workspace.root, "AGENTS.override.md"), "Use pnpm during the migration.\n");
    const text = await buildInstructions(workspace);
    expect(text).toContain("Use pnpm during the migration.");
    expect(text).not.toContain("Use npm.");
    expect(text).toContain(`${workspace.root}/AGENTS.override.md`);
  });
});
