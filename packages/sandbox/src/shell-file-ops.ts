import type { ExecOptions, ExecResult, ReadFileOptions } from "@patchbay/core";
import { shellQuote } from "./command.js";
import { checkFileOp, FILE_OP_LIMIT, NOT_REGULAR } from "./file-ops.js";
import { DISK_FULL } from "./reasons.js";

/** Runs a fixed script through the sandbox's persistent shell. */
export type ShellRunner = (script: string, options: ExecOptions) => Promise<ExecResult>;

/** The shell path could not answer exactly; the caller takes the engine-exec path. */
export const FALL_BACK = Symbol("fall back to an engine exec");

/** Exit code of the read script for a file too big for one command's capped output. */
const TOO_BIG = 45;
const TIMEOUT_MS = 70_000;

// The same checks as the engine-exec scripts (file-ops.ts); the bytes travel as base64, since a
// command's output is text. The length goes first, so a cut-short answer is never taken for the file.
const READ = (limit: number) =>
  `set -o pipefail; ${NOT_REGULAR}; [ -e "$1" ] || exit 44; s=$(stat -L -c %s -- "$1") || exit 1; ` +
  `n=$s; if [ -n "$2" ] && [ "$2" -lt "$s" ]; then n=$2; fi; [ "$n" -gt ${limit} ] && exit ${TOO_BIG}; ` +
  `printf '%s:' "$n"; ${FILE_OP_LIMIT} head -c "$n" -- "$1" | base64 -w0`;
const WRITE = `set -o pipefail; mkdir -p -- "$(dirname -- "$1")" && { ${NOT_REGULAR}; printf %s "$2" | base64 -d | ${FILE_OP_LIMIT} tee -- "$1" >/dev/null; }`;
const DELETE = `if [ -d "$1" ] && [ ! -L "$1" ]; then exit 40; fi; exec ${FILE_OP_LIMIT} rm -f -- "$1"`;

/** The script with its arguments bound as $1, $2 (quoted: no path can break out of them). */
function bound(script: string, args: string[]): string {
  return `set -- ${args.map(shellQuote).join(" ")}; ${script}`;
}

/** The largest file (bytes) whose base64 fits in a command's kept output of `capBytes`. */
export function shellReadLimit(capBytes: number): number {
  return Math.max(0, Math.floor(((capBytes - 64) * 3) / 4));
}

/**
 * Reads a workspace file through the persistent shell (milliseconds, where an engine exec takes
 * tens): null when missing, the bytes when they came back whole, FALL_BACK for anything the
 * engine-exec path must answer (too big, a time-out, a dead shell).
 */
export async function readThroughShell(
  run: ShellRunner,
  abs: string,
  path: string,
  options: ReadFileOptions | undefined,
  limit: number,
): Promise<Buffer | null | typeof FALL_BACK> {
  const max = options?.maxBytes === undefined ? "" : String(Math.max(0, Math.floor(options.maxBytes)));
  const result = await run(bound(READ(limit), [abs, max]), { timeoutMs: TIMEOUT_MS }).catch(() => null);
  if (!result) return FALL_BACK;
  if (result.exitCode === 44) return null;
  if (result.exitCode === 40 || result.exitCode === 41) checkFileOp(raw(result), "read", path);
  if (result.exitCode !== 0) return FALL_BACK;
  const colon = result.stdout.indexOf(":");
  const length = Number(result.stdout.slice(0, colon));
  const bytes = Buffer.from(result.stdout.slice(colon + 1), "base64");
  return colon > 0 && bytes.length === length ? bytes : FALL_BACK;
}

/** Writes a small file through the persistent shell; FALL_BACK when the engine-exec path must. */
export async function writeThroughShell(
  run: ShellRunner,
  abs: string,
  path: string,
  data: Buffer,
): Promise<typeof FALL_BACK | undefined> {
  const result = await run(bound(WRITE, [abs, data.toString("base64")]), { timeoutMs: TIMEOUT_MS }).catch(() => null);
  return settled(result, "write", path);
}

/** Deletes a file through the persistent shell; FALL_BACK when the engine-exec path must. */
export async function deleteThroughShell(
  run: ShellRunner,
  abs: string,
  path: string,
): Promise<typeof FALL_BACK | undefined> {
  const result = await run(bound(DELETE, [abs]), { timeoutMs: TIMEOUT_MS }).catch(() => null);
  return settled(result, "delete", path);
}

/** Done, refused the way the engine-exec path refuses (thrown), or handed back to it. */
function settled(result: ExecResult | null, action: string, path: string): typeof FALL_BACK | undefined {
  if (!result || result.exitCode === null || result.timedOut || result.reason) return FALL_BACK;
  if (result.exitCode === 0) return undefined;
  // A refusal the caller must fix (a folder, a FIFO, a full disk) reads as it always did; anything
  // else (a tool this image lacks, a time-out) is the engine-exec path's to answer.
  const refused = result.exitCode === 40 || result.exitCode === 41 || DISK_FULL.test(result.stderr);
  if (!refused) return FALL_BACK;
  checkFileOp(raw(result), action, path);
  return undefined;
}

function raw(result: ExecResult) {
  return { exitCode: result.exitCode, stdout: Buffer.alloc(0), stderr: result.stderr };
}
