import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { z } from "zod";
import type { ApiClient } from "../api-client.js";
import { CliError } from "../api-client.js";

const JobBase = z.object({
  id: z.string(),
  status: z.string(),
  result: z.object({ baseCommit: z.string().nullable() }).nullable(),
});

/** What `patchbay apply` did. */
export interface Applied {
  files: string[];
  baseCommit: string;
}

function git(args: string[], cwd: string): { ok: boolean; stdout: string; stderr: string } {
  try {
    const stdout = execFileSync("git", args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    return { ok: true, stdout: stdout.trim(), stderr: "" };
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string };
    return { ok: false, stdout: String(e.stdout ?? "").trim(), stderr: String(e.stderr ?? "").trim() };
  }
}

/**
 * `patchbay apply <id>`: applies the job's patch to the git checkout at `cwd` (its top level),
 * all or nothing. Refuses when the checkout is not at the job's base commit, or when local
 * changes conflict with the patch; `check` only tests that it would apply.
 */
export async function applyPatch(api: ApiClient, id: string, cwd: string, check = false): Promise<Applied> {
  const job = JobBase.parse(await api.get(id));
  const baseCommit = job.result?.baseCommit;
  if (!baseCommit) throw new CliError(`job ${id} has no result with a base commit yet (status ${job.status})`);
  const top = git(["rev-parse", "--show-toplevel"], cwd);
  if (!top.ok) throw new CliError(`${cwd} is not inside a git checkout: run patchbay apply in the repository`);
  const head = git(["rev-parse", "HEAD"], top.stdout).stdout;
  if (head !== baseCommit) {
    throw new CliError(
      `this checkout is at ${head.slice(0, 12) || "no commit"}, but job ${id} was made on ${baseCommit.slice(0, 12)}. ` +
        `Check out the base commit first (git switch -c patchbay-${id.slice(0, 8)} ${baseCommit}) and try again.`,
    );
  }
  const patch = await api.patch(id);
  if (patch === "") return { files: [], baseCommit };
  const dir = mkdtempSync(path.join(tmpdir(), "patchbay-apply-"));
  try {
    const file = path.join(dir, `${id}.diff`);
    writeFileSync(file, patch);
    const probe = git(["apply", "--check", "--binary", file], top.stdout);
    if (!probe.ok) {
      throw new CliError(
        `the patch of job ${id} does not apply to this checkout: local changes conflict with it. ` +
          `Commit or stash them (git stash -u) and try again.\n${probe.stderr}`,
      );
    }
    const files = git(["apply", "--numstat", file], top.stdout)
      .stdout.split("\n")
      .filter(Boolean)
      .map((line) => line.split("\t").slice(2).join("\t"));
    if (!check) {
      const applied = git(["apply", "--binary", file], top.stdout);
      if (!applied.ok) throw new CliError(`git apply failed: ${applied.stderr}`);
    }
    return { files, baseCommit };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
