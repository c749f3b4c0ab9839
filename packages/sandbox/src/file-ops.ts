import type { Readable } from "node:stream";
import { PatchbayError } from "@patchbay/core";
import type Docker from "dockerode";
import { startExec } from "./exec-stream.js";
import { resolveInRoot } from "./paths.js";

/** What a helper process printed and how it ended. */
export interface RawResult {
  exitCode: number | null;
  stdout: Buffer;
  stderr: string;
}

/** Runs a fixed helper (not a user command): raw stdout bytes, optional stdin. */
export async function runRaw(
  container: Docker.Container,
  cmd: string[],
  stdin?: Readable | Buffer,
): Promise<RawResult> {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const handle = await startExec(container, {
    cmd,
    stdin,
    sink: (stream, payload) => {
      (stream === "stdout" ? out : err).push(Buffer.from(payload));
      return undefined;
    },
  });
  await handle.done;
  return { exitCode: await handle.exitCode(), stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString("utf8") };
}

// Paths go in as positional arguments ($1), never spliced into the script: no quoting to get wrong.
const READ = 'if [ -d "$1" ]; then exit 40; fi; [ -e "$1" ] || exit 44; exec cat -- "$1"';
const WRITE = 'mkdir -p -- "$(dirname -- "$1")" && cat > "$1"';
const DELETE = 'if [ -d "$1" ] && [ ! -L "$1" ]; then exit 40; fi; rm -f -- "$1"';

/** Reads a file in the workspace; null when it does not exist. */
export async function readWorkspaceFile(
  container: Docker.Container,
  root: string,
  path: string,
): Promise<Buffer | null> {
  const abs = resolveInRoot(root, path);
  const result = await runRaw(container, ["bash", "-c", READ, "patchbay-read", abs]);
  if (result.exitCode === 44) return null;
  check(result, "read", path);
  return result.stdout;
}

/** Writes a file in the workspace as the sandbox user, creating parent folders. */
export async function writeWorkspaceFile(
  container: Docker.Container,
  root: string,
  path: string,
  content: Buffer | string,
): Promise<void> {
  const abs = resolveInRoot(root, path);
  const data = typeof content === "string" ? Buffer.from(content, "utf8") : content;
  check(await runRaw(container, ["bash", "-c", WRITE, "patchbay-write", abs], data), "write", path);
}

/** Deletes a file in the workspace; a missing file is not an error. */
export async function deleteWorkspaceFile(container: Docker.Container, root: string, path: string): Promise<void> {
  const abs = resolveInRoot(root, path);
  check(await runRaw(container, ["bash", "-c", DELETE, "patchbay-delete", abs]), "delete", path);
}

/**
 * A refused file operation is the caller's to fix (a folder in the way, a full workspace), so it
 * is not retryable; engine failures were already thrown as `sandbox_failed` by the exec itself.
 */
function check(result: RawResult, action: string, path: string): void {
  if (result.exitCode === 0) return;
  if (result.exitCode === 40)
    throw new PatchbayError("invalid_request", `Cannot ${action} "${path}": it is a directory.`);
  const reason = result.stderr.trim() || `exit code ${result.exitCode}`;
  // Killed by a signal (the container is going away, or hit a limit): ours, not the caller's.
  if (result.exitCode === null || result.exitCode >= 128) {
    throw new PatchbayError("sandbox_failed", `Could not ${action} "${path}": ${reason}`);
  }
  throw new PatchbayError("invalid_request", `Cannot ${action} "${path}": ${reason}`);
}
