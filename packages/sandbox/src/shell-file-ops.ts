import type { ReadFileOptions } from "@patchbay/core";
import type Docker from "dockerode";
import {
  bytesOf,
  checkFileOp,
  DELETE,
  deleteWorkspaceFile,
  HOST_DEADLINE_MS,
  LIMIT,
  maxBytesArg,
  NOT_REGULAR,
  type RawResult,
  readAnswer,
  readWorkspaceFile,
  settlesWithin,
  TIMED_OUT,
  writeWorkspaceFile,
} from "./file-ops.js";
import type { FileServerLink } from "./file-server.js";
import type { FrameSink } from "./frames.js";
import { resolveInRoot } from "./paths.js";
import { DISK_FULL } from "./reasons.js";
import type { ShellPool } from "./shell-pool.js";

/**
 * Files up to this size are written through the persistent shell. The content travels in the
 * request, which bash reads one byte at a time (~1.5 µs a byte); past this an engine exec is faster.
 */
export const SHELL_WRITE_MAX_BYTES = 24 * 1024;

// Arguments arrive as environment entries (data, never parsed as code) and become $1, $2 as in
// the engine-exec scripts. PATH is fixed: the root filesystem is read-only, so /usr/bin is the
// image's and nothing a command exported or put in the workspace can stand in for a tool. The
// content to write stays a shell variable (`export -n`) so no exec'd tool carries it.
const PREFIX =
  'set -o pipefail; PATH=/usr/bin:/bin; set -- "$PB_FILE" "$PB_ARG"; unset PB_FILE PB_ARG; export -n PB_DATA;';
// The bytes travel as base64 both ways: the protocol is NUL-separated and its end marker starts with NUL.
const READ = `${PREFIX} ${NOT_REGULAR}; [ -e "$1" ] || exit 44; if [ -z "$2" ]; then exec ${LIMIT} base64 -w0 -- "$1"; fi; ${LIMIT} head -c "$2" -- "$1" | base64 -w0`;
// Each fork costs here: the parent folder is named by the shell (`${1%/*}`: $1 is absolute and
// normalized) and made only when missing, and the content goes in as a here-string.
const WRITE = `${PREFIX} { [ -d "\${1%/*}" ] || mkdir -p -- "\${1%/*}"; } && { ${NOT_REGULAR}; base64 -d <<<"$PB_DATA" | ${LIMIT} tee -- "$1" >/dev/null; }`;
const REMOVE = `${PREFIX} ${DELETE}`;

/** Exit codes whose meaning the engine-exec path would give the same way (the rest re-run there). */
const ANSWERS = new Set([0, 40, 41, 44, TIMED_OUT]);
const STDERR_KEEP = 64 * 1024;
const BASE64 = /^[A-Za-z0-9+/=]*$/;

/** Where a sandbox's file operations can go: its file server, its persistent shells, its container. */
export interface FileRoutes {
  container: Docker.Container;
  shells: ShellPool;
  files: FileServerLink;
}

/** Reads a regular file in the workspace through the file server or the persistent shell, else an engine exec; null when missing. */
export async function readSandboxFile(
  { container, shells, files }: FileRoutes,
  root: string,
  path: string,
  options: ReadFileOptions = {},
): Promise<Buffer | null> {
  const abs = resolveInRoot(root, path);
  const result =
    (await files.read(abs, options.maxBytes)) ??
    (await runFileScript(shells, READ, [`PB_FILE=${abs}`, `PB_ARG=${maxBytesArg(options)}`]));
  if (result === null) return readWorkspaceFile(container, root, path, options);
  return readAnswer(result, path);
}

/** Writes a file in the workspace as the sandbox user through the file server or the persistent shell, else an engine exec. */
export async function writeSandboxFile(
  { container, shells, files }: FileRoutes,
  root: string,
  path: string,
  content: Buffer | string,
): Promise<void> {
  const abs = resolveInRoot(root, path);
  const data = bytesOf(content);
  const result =
    (await files.write(abs, data)) ??
    (data.length <= SHELL_WRITE_MAX_BYTES
      ? await runFileScript(shells, WRITE, [`PB_FILE=${abs}`, `PB_DATA=${data.toString("base64")}`])
      : null);
  if (result === null) return writeWorkspaceFile(container, root, path, data);
  checkFileOp(result, "write", path);
}

/** Deletes a file in the workspace through the file server or the persistent shell, else an engine exec; a missing file is fine. */
export async function deleteSandboxFile(
  { container, shells, files }: FileRoutes,
  root: string,
  path: string,
): Promise<void> {
  const abs = resolveInRoot(root, path);
  const result = (await files.delete(abs)) ?? (await runFileScript(shells, REMOVE, [`PB_FILE=${abs}`]));
  if (result === null) return deleteWorkspaceFile(container, root, path);
  checkFileOp(result, "delete", path);
}

/**
 * Runs a file script in a pooled session, skipping the user's login profile, and answers as
 * runRaw would; null when the engine-exec path must answer instead: no session to be had, the
 * shell died or its transport failed, output that is not whole base64, or an exit this script
 * does not explain (both paths then agree on every error, at the cost of a second try).
 */
export async function runFileScript(shells: ShellPool, script: string, env: string[]): Promise<RawResult | null> {
  const lease = await shells.lend().catch(() => null);
  if (lease === null) return null;
  const out = new Base64Collector();
  const err = new TextCollector(STDERR_KEEP);
  const sink: FrameSink = (stream, payload) => {
    if (stream === "stdout") out.push(payload);
    else err.push(payload);
    return undefined;
  };
  const run = lease.session.run({ cwd: "/", command: script, env, plain: true }, sink);
  if (!(await settlesWithin(run, HOST_DEADLINE_MS))) {
    await shells.signal(lease.session, "KILL").catch(() => undefined);
    shells.release(lease, false);
    return { exitCode: TIMED_OUT, stdout: Buffer.alloc(0), stderr: "" };
  }
  const outcome = await run;
  shells.release(lease, outcome.kind === "exited" && !outcome.leftovers);
  if (outcome.kind === "died") return null;
  const stdout = out.result();
  const stderr = err.text();
  const explained = ANSWERS.has(outcome.exitCode) || DISK_FULL.test(stderr);
  return stdout === null || !explained ? null : { exitCode: outcome.exitCode, stdout, stderr };
}

/** Decodes base64 as it streams in (no multi-megabyte string); null at the end unless it was all whole base64. */
class Base64Collector {
  private rest = "";
  private valid = true;
  private readonly parts: Buffer[] = [];

  /** Adds a chunk of base64 text; decodes every complete 4-character group. */
  push(chunk: Buffer): void {
    const text = this.rest + chunk.toString("latin1");
    // Buffer.from skips what is not base64: test, or a garbled answer would pass for a file.
    if (!BASE64.test(text)) this.valid = false;
    const whole = text.length - (text.length % 4);
    if (whole > 0) this.parts.push(Buffer.from(text.slice(0, whole), "base64"));
    this.rest = text.slice(whole);
  }

  /** The decoded bytes, or null when the text was not whole base64. */
  result(): Buffer | null {
    return this.valid && this.rest === "" ? Buffer.concat(this.parts) : null;
  }
}

/** Keeps the first `cap` bytes of a stream as text (an error message, never a file). */
export class TextCollector {
  private readonly parts: Buffer[] = [];
  private size = 0;

  constructor(private readonly cap: number) {}

  push(chunk: Buffer): void {
    if (this.size >= this.cap) return;
    const part = chunk.subarray(0, this.cap - this.size);
    this.parts.push(Buffer.from(part));
    this.size += part.length;
  }

  text(): string {
    return Buffer.concat(this.parts).toString("utf8");
  }
}
