import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { type ApiClient, CliError } from "../api-client.js";

/** What `POST /v1/sources` answers. */
export interface SourceView {
  id: string;
  bytes: number;
  sha256: string;
  heads: Array<{ commit: string; ref: string }>;
}

function git(cwd: string, args: string[]): string {
  try {
    return execFileSync("git", args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr ?? String(err);
    throw new CliError(`git ${args[0]} failed: ${stderr.trim().split("\n").at(-1)}`);
  }
}

/**
 * Bundles this checkout's HEAD (with its whole history, so that a worker can clone it alone)
 * and the current branch. Uncommitted changes are not part of it.
 */
export function bundleCheckout(dir: string): { data: Buffer; head: string; dirty: boolean } {
  const head = git(dir, ["rev-parse", "HEAD"]);
  const branch = git(dir, ["rev-parse", "--abbrev-ref", "HEAD"]);
  const tmp = mkdtempSync(path.join(tmpdir(), "patchbay-bundle-"));
  try {
    const file = path.join(tmp, "source.bundle");
    // One pack thread: the same commits give the same bytes, so the server knows a retried upload.
    const refs = ["HEAD", ...(branch !== "HEAD" ? [`refs/heads/${branch}`] : [])];
    git(dir, ["-c", "pack.threads=1", "bundle", "create", "--quiet", file, ...refs]);
    const dirty = git(dir, ["status", "--porcelain", "--untracked-files=no"]) !== "";
    return { data: readFileSync(file), head, dirty };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** Uploads a bundle of this checkout; returns the source and the commit it carries. */
export async function uploadCheckout(api: ApiClient, dir: string, warn: (line: string) => void) {
  const { data, head, dirty } = bundleCheckout(dir);
  if (dirty)
    warn("patchbay: uncommitted changes are not uploaded (only commits are): commit them first to include them");
  const source = (await api.upload("/v1/sources", data)) as SourceView;
  return { source, head };
}
