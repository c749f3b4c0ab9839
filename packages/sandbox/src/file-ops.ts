import type { Readable } from "node:stream";
import { PatchbayError, type ReadFileOptions } from "@patchbay/core";
import type Docker from "dockerode";
import { startExec } from "./exec-stream.js";
import { resolveInRoot } from "./paths.js";
import { DISK_FULL } from "./reasons.js";

/** What a helper process printed and how it ended. */
export interface RawResult {
  exitCode: number | null;
  stdout: Buffer;
  stderr: string;
}

/** Runs a fixed helper (not a user command): raw stdout bytes, optional stdin, optional deadline. */
export async function runRaw(
  container: Docker.Container,
  cmd: string[],
  stdin?: Readable | Buffer,
  timeoutMs?: number,
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
  if (timeoutMs !== undefined && !(await settlesWithin(handle.done, timeoutMs))) {
    handle.detach();
    return { exitCode: TIMED_OUT, stdout: Buffer.alloc(0), stderr: "" };
  }
  await handle.done;
  return { exitCode: await handle.exitCode(), stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString("utf8") };
}

/** Whether `promise` settles within `ms` (it is left running when not). */
export async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  const settled = await Promise.race([promise.then(() => true as const), late]);
  clearTimeout(timer);
  return settled;
}

/**
 * Seconds a file operation may take inside the container. A FIFO planted where a file is
 * expected would block `cat` forever (no writer comes); nothing here may outlast a job's timeout.
 */
export const FILE_OP_TIMEOUT_SEC = 60;
/** What `timeout` exits with when it stopped the command (and what runRaw reports on its own deadline). */
export const TIMED_OUT = 124;
/** Prefix of every tool that opens the file (a FIFO must not block it forever). */
export const LIMIT = `timeout -k 2 ${FILE_OP_TIMEOUT_SEC}`;
/** The host waits a little longer than `timeout` inside, which says more when it fires. */
export const HOST_DEADLINE_MS = (FILE_OP_TIMEOUT_SEC + 10) * 1000;

// Paths go in as positional arguments ($1), never spliced into the script: no quoting to get wrong.
// Only regular files (or symlinks to them) are read or replaced: exit 40 for a folder, 41 for a
// FIFO, socket or device. The opening itself runs under `timeout` (a FIFO swapped in after the
// test still cannot block), so `tee`/`head` open the file, not the shell.
export const NOT_REGULAR = 'if [ -d "$1" ]; then exit 40; fi; if [ -e "$1" ] && [ ! -f "$1" ]; then exit 41; fi';
const READ = `${NOT_REGULAR}; [ -e "$1" ] || exit 44; if [ -n "$2" ]; then exec ${LIMIT} head -c "$2" -- "$1"; fi; exec ${LIMIT} cat -- "$1"`;
const WRITE = `mkdir -p -- "$(dirname -- "$1")" && { ${NOT_REGULAR}; exec ${LIMIT} tee -- "$1" >/dev/null; }`;
export const DELETE = `if [ -d "$1" ] && [ ! -L "$1" ]; then exit 40; fi; exec ${LIMIT} rm -f -- "$1"`;

/** Reads a regular file in the workspace (at most `maxBytes` of it); null when it does not exist. */
export async function readWorkspaceFile(
  container: Docker.Container,
  root: string,
  path: string,
  options: ReadFileOptions = {},
): Promise<Buffer | null> {
  const abs = resolveInRoot(root, path);
  const max = maxBytesArg(options);
  const result = await runRaw(container, ["bash", "-c", READ, "patchbay-read", abs, max], undefined, HOST_DEADLINE_MS);
  return readAnswer(result, path);
}

/** A file's content as bytes (strings are written as UTF-8). */
export function bytesOf(content: Buffer | string): Buffer {
  return typeof content === "string" ? Buffer.from(content, "utf8") : content;
}

/** The read scripts' byte limit argument: "" for the whole file. */
export function maxBytesArg(options: ReadFileOptions): string {
  return options.maxBytes === undefined ? "" : String(Math.max(0, Math.floor(options.maxBytes)));
}

/** What a read script's result means: the bytes, null for a missing file (exit 44), else the error. */
export function readAnswer(result: RawResult, path: string): Buffer | null {
  if (result.exitCode === 44) return null;
  checkFileOp(result, "read", path);
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
  const result = await runRaw(
    container,
    ["bash", "-c", WRITE, "patchbay-write", abs],
    bytesOf(content),
    HOST_DEADLINE_MS,
  );
  checkFileOp(result, "write", path);
}

/** Deletes a file in the workspace; a missing file is not an error. */
export async function deleteWorkspaceFile(container: Docker.Container, root: string, path: string): Promise<void> {
  const abs = resolveInRoot(root, path);
  checkFileOp(
    await runRaw(container, ["bash", "-c", DELETE, "patchbay-delete", abs], undefined, HOST_DEADLINE_MS),
    "delete",
    path,
  );
}

/**
 * A refused file operation is the caller's to fix (a folder in the way, a full workspace), so it
 * is not retryable; engine failures were already thrown as `sandbox_failed` by the exec itself.
 */
export function checkFileOp(result: RawResult, action: string, path: string): void {
  if (result.exitCode === 0) return;
  if (result.exitCode === 40)
    throw new PatchbayError("invalid_request", `Cannot ${action} "${path}": it is a directory.`);
  if (result.exitCode === 41) {
    throw new PatchbayError(
      "invalid_request",
      `Cannot ${action} "${path}": it is not a regular file (a FIFO, socket or device).`,
    );
  }
  if (result.exitCode === TIMED_OUT) {
    throw new PatchbayError(
      "sandbox_failed",
      `Could not ${action} "${path}": it took longer than ${FILE_OP_TIMEOUT_SEC} s (a FIFO swapped in, or a stuck filesystem).`,
    );
  }
  const reason = result.stderr.trim() || `exit code ${result.exitCode}`;
  if (DISK_FULL.test(reason)) {
    throw new PatchbayError("disk_limit", `Could not ${action} "${path}": the sandbox's disk is full (${reason}).`);
  }
  // Killed by a signal (the container is going away, or hit a limit): ours, not the caller's.
  if (result.exitCode === null || result.exitCode >= 128) {
    throw new PatchbayError("sandbox_failed", `Could not ${action} "${path}": ${reason}`);
  }
  throw new PatchbayError("invalid_request", `Cannot ${action} "${path}": ${reason}`);
}
