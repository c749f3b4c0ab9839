import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { DockerSandboxProvider, type Sandbox, tarDirectory } from "@patchbay/sandbox";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyPatch } from "./after-checks.js";
import { collectPatch } from "./finalize.js";

const jobId = `test-after-checks-${randomBytes(4).toString("hex")}`;
const provider = new DockerSandboxProvider({
  image: "patchbay/sandbox:1",
  defaults: { memoryMb: 512, pidsLimit: 256, workspaceMb: 256, tmpMb: 64, homeMb: 64 },
  killGraceMs: 500,
});
let repo: string;
let base: string;

beforeAll(() => {
  repo = mkdtempSync(path.join(tmpdir(), "patchbay-after-checks-"));
  const git = (...args: string[]) => execFileSync("git", args, { cwd: repo, encoding: "utf8" }).trim();
  writeFileSync(path.join(repo, "app.js"), "export const a = 1;\n");
  writeFileSync(path.join(repo, "old.txt"), "going away\n");
  git("init", "-q", "-b", "main");
  git("add", "-A");
  git("-c", "user.name=t", "-c", "user.email=t@localhost", "commit", "-qm", "base");
  base = git("rev-parse", "HEAD");
});

afterAll(async () => {
  rmSync(repo, { recursive: true, force: true });
  await provider.destroyForJob(jobId);
});

async function sandbox(): Promise<Sandbox> {
  const box = await provider.create({ jobId });
  await box.putTar(tarDirectory(repo));
  return box;
}

describe("applyPatch", () => {
  it("gives a fresh sandbox exactly the collected change: edits, a deletion, a new binary file, nothing else", async () => {
    const agent = await sandbox();
    const edit =
      "printf 'export const a = 2;\\n' > app.js && rm old.txt && mkdir -p img && printf '\\x89PNG\\0\\1\\2' > img/x.png";
    expect((await agent.exec(edit)).exitCode).toBe(0);
    const { patch } = await collectPatch(agent, base);
    const judge = await sandbox();
    await applyPatch(judge, patch);
    const state = await judge.exec("git status --porcelain --untracked-files=all; od -An -tx1 img/x.png; cat app.js");
    expect(state.stdout.split("\n").filter(Boolean)).toEqual([
      " M app.js",
      " D old.txt",
      "?? img/x.png",
      " 89 50 4e 47 00 01 02",
      "export const a = 2;",
    ]);
    await Promise.all([agent.destroy(), judge.destroy()]);
  });

  it("refuses a patch that does not apply with sandbox_failed and git's reason, changing nothing", async () => {
    const judge = await sandbox();
    const stale = [
      "diff --git a/app.js b/app.js",
      "--- a/app.js",
      "+++ b/app.js",
      "@@ -1 +1 @@",
      "-export const a = 41;",
      "+export const a = 42;",
      "",
    ].join("\n");
    const err = await applyPatch(judge, stale).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "sandbox_failed" });
    expect(String((err as Error).message)).toMatch(
      /the stored patch did not apply in a fresh sandbox: .*patch failed: app\.js:1/s,
    );
    expect((await judge.exec("git status --porcelain --untracked-files=all")).stdout).toBe("");
    await judge.destroy();
  });
});
