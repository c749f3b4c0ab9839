import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { DockerSandboxProvider, type Sandbox, tarDirectory } from "@patchbay/sandbox";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyPatch } from "./after-checks.js";
import { collectPatch, snapshotWorkspace } from "./finalize.js";
import { collectAgentChange } from "./protect-tests.js";

const jobId = `test-finalize-${randomBytes(4).toString("hex")}`;
const provider = new DockerSandboxProvider({
  image: "patchbay/sandbox:1",
  defaults: { memoryMb: 512, pidsLimit: 256, workspaceMb: 256, tmpMb: 64, homeMb: 64 },
  killGraceMs: 500,
});
let repo: string;
let base: string;

beforeAll(() => {
  repo = mkdtempSync(path.join(tmpdir(), "patchbay-finalize-"));
  const git = (...args: string[]) => execFileSync("git", args, { cwd: repo, encoding: "utf8" }).trim();
  writeFileSync(path.join(repo, "package-lock.json"), '{"lockfileVersion": 3}\n');
  writeFileSync(path.join(repo, "app.js"), "export const a = 1;\n");
  writeFileSync(path.join(repo, "app.test.js"), "// tests\n");
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

const sh = async (box: Sandbox, command: string) => expect((await box.exec(command)).exitCode).toBe(0);

describe("collectPatch", () => {
  it("keeps an edit of the same size made within the second the checkout was written", async () => {
    const box = await sandbox();
    // Checkout and edit in the same second (begun early in one), as a fast agent's first write can be;
    // the collection a second later. Was: the edit was missing from the patch (git trusted the times).
    await sh(
      box,
      "while [ $(date +%N | cut -c1) != 0 ]; do :; done; rm app.js && git checkout -q app.js && " +
        "git update-index -q --refresh; printf 'export const a = 7;\\n' > app.js; sleep 1.2",
    );
    const patch = await collectPatch(box, base);
    expect(patch.changes).toEqual([{ status: "modified", path: "app.js" }]);
    expect(patch.patch).toContain("+export const a = 7;");
    await box.destroy();
  });
  it("leaves out Python caches the agent committed or left untracked, also renamed into place", async () => {
    const box = await sandbox();
    await sh(
      box,
      "mkdir -p pkg/__pycache__ && echo c > pkg/__pycache__/m.cpython-312.pyc && echo x > old.pyc && " +
        "git add -A && git commit -qm agent && git mv old.pyc pkg/new.pyc && echo y > stray.pyo && " +
        "echo 'export const a = 5;' > app.js",
    );
    const patch = await collectPatch(box, base);
    expect(patch.changes).toEqual([{ status: "modified", path: "app.js" }]);
    expect(patch.patch).not.toMatch(/pyc|pyo/);
    await box.destroy();
  });
});

describe("collectPatch with a snapshot of setup", () => {
  it("leaves out what setup and the baseline made, even when the agent commits everything", async () => {
    const box = await sandbox();
    // As `npm ci` would: dependencies (no .gitignore) and a rewritten lockfile; a baseline report.
    await sh(box, "mkdir -p node_modules/dep && echo 'x' > node_modules/dep/index.js && echo '{}' > package-lock.json");
    await sh(box, "echo '<testsuites/>' > junit.xml");
    const snapshot = await snapshotWorkspace(box, base);
    // The agent: edits, adds, runs Python (bytecode cache), and commits with `git add -A`.
    await sh(
      box,
      "echo 'export const a = 2;' > app.js && echo 'new' > notes.md && mkdir -p __pycache__ && echo c > __pycache__/m.pyc",
    );
    await sh(box, "git add -A && git commit -qm agent");
    const patch = await collectPatch(box, base, snapshot);
    expect(patch.changes).toEqual([
      { status: "modified", path: "app.js" },
      { status: "added", path: "notes.md" },
    ]);
    expect(patch.stats).toEqual({ files: 2, insertions: 2, deletions: 1 });
    // Without the snapshot the same workspace would carry node_modules and the lockfile.
    const naive = await collectPatch(box, base);
    expect(naive.changes.map((c) => c.path)).toEqual(
      expect.arrayContaining(["node_modules/dep/index.js", "package-lock.json", "junit.xml"]),
    );
    await box.destroy();
  });

  it("snapshots an untracked list longer than a command's output may be (dependencies without a .gitignore)", async () => {
    const box = await sandbox();
    // 25,000 untracked paths of ~50 bytes: ~1.2 MB listed, past the 1 MiB a command prints.
    await sh(
      box,
      "mkdir -p node_modules/pkg && cd node_modules/pkg && seq -f 'module-with-a-long-name-%06g.js' 25000 | xargs touch",
    );
    await sh(box, "printf 'x\\n' > package-lock.json");
    const snapshot = await snapshotWorkspace(box, base);
    expect(snapshot.untracked.toString().split("\0").filter(Boolean)).toHaveLength(25_000);
    expect(snapshot.modified.toString()).toMatch(/^[0-9a-f]{40} package-lock\.json\0$/);
    await sh(box, "echo 'export const a = 3;' > app.js && touch node_modules/pkg/added-by-the-agent.js");
    const patch = await collectPatch(box, base, snapshot);
    expect(patch.changes).toEqual([
      { status: "modified", path: "app.js" },
      { status: "added", path: "node_modules/pkg/added-by-the-agent.js" },
    ]);
    await box.destroy();
  });

  it("keeps a setup-changed file the agent changed again, and drops test edits under protection", async () => {
    const box = await sandbox();
    await sh(box, "echo '{}' > package-lock.json");
    const snapshot = await snapshotWorkspace(box, base);
    await sh(box, "echo '{\"agent\": true}' > package-lock.json && echo '// weakened' > app.test.js");
    const change = await collectAgentChange(box, base, snapshot, { testGlobs: ["*.test.js"], protectTests: true });
    expect(change.tests).toEqual({ modified: ["app.test.js"], added: [], dropped: ["app.test.js"] });
    expect(change.patch.changes).toEqual([{ status: "modified", path: "package-lock.json" }]);
    expect((await box.readFile("app.test.js"))?.toString()).toBe("// tests\n");
    await box.destroy();
  });
});

describe("applyPatch", () => {
  it("gives a fresh sandbox exactly the collected change: edits, a deletion, a new binary file, nothing else", async () => {
    const agent = await sandbox();
    const edit =
      "printf 'export const a = 2;\\n' > app.js && rm app.test.js && mkdir -p img && printf '\\x89PNG\\0\\1\\2' > img/x.png";
    expect((await agent.exec(edit)).exitCode).toBe(0);
    const { patch } = await collectPatch(agent, base);
    const judge = await sandbox();
    await applyPatch(judge, patch);
    const state = await judge.exec("git status --porcelain --untracked-files=all; od -An -tx1 img/x.png; cat app.js");
    expect(state.stdout.split("\n").filter(Boolean)).toEqual([
      " M app.js",
      " D app.test.js",
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
