import { execFile } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { LocalWorkspace } from "../local-workspace.js";

const run = promisify(execFile);

/** A temporary git repository with the given files committed, and a way to remove it. */
export async function tempRepo(
  files: Record<string, string>,
): Promise<{ workspace: LocalWorkspace; cleanup: () => Promise<void> }> {
  const root = await mkdtemp(join(tmpdir(), "patchbay-agent-"));
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), content);
  }
  const git = (...args: string[]) =>
    run("git", ["-c", "user.name=t", "-c", "user.email=t@example.com", ...args], { cwd: root });
  await git("init", "-q");
  await git("add", "-A");
  await git("commit", "-q", "-m", "initial");
  return { workspace: new LocalWorkspace(root), cleanup: () => rm(root, { recursive: true, force: true }) };
}
