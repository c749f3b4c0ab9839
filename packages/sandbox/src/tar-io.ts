import { spawn } from "node:child_process";
import { PassThrough, type Readable } from "node:stream";
import { PatchbayError } from "@patchbay/core";
import type Docker from "dockerode";
import { sandboxFailed } from "./errors.js";
import { startExec } from "./exec-stream.js";
import { runRaw } from "./file-ops.js";
import { resolveInRoot } from "./paths.js";

/**
 * Tars a host folder (`.git` included) with files owned by uid/gid 1000, ready for putTar.
 * A failing host tar errors the stream, so a half-copied checkout is never taken for a whole one.
 */
export function tarDirectory(dir: string): Readable {
  const out = new PassThrough();
  const child = spawn("tar", ["-C", dir, "-c", "-f", "-", "--owner=1000", "--group=1000", "--numeric-owner", "."], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  const stderr: Buffer[] = [];
  child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
  child.stdout.pipe(out, { end: false });
  child.on("error", (err) => out.destroy(err));
  child.on("close", (code) => {
    if (code === 0) out.end();
    else out.destroy(new Error(`tar of ${dir} failed (exit ${code}): ${Buffer.concat(stderr).toString().trim()}`));
  });
  out.on("close", () => {
    if (child.exitCode === null) child.kill();
  });
  return out;
}

/**
 * Extracts a tar into the workspace through `tar -x` on an exec's stdin, as the sandbox user:
 * the engine's putArchive silently writes nothing into a tmpfs, and would leave root-owned files.
 */
export async function extractTar(container: Docker.Container, root: string, tar: Readable): Promise<void> {
  const sourceError = watchSource(tar, "putTar");
  const result = await runRaw(container, ["tar", "-x", "-f", "-", "-C", root, "--no-same-owner"], tar);
  sourceError.check();
  if (result.exitCode !== 0) {
    throw new PatchbayError("sandbox_failed", `putTar failed (exit ${result.exitCode}): ${result.stderr.trim()}`);
  }
}

/** Runs `argv` with `input` on its stdin; throws sandbox_failed on a non-zero exit or a failing source. */
export async function feedCommand(container: Docker.Container, argv: string[], input: Readable): Promise<void> {
  const sourceError = watchSource(input, argv[0] ?? "command");
  const result = await runRaw(container, argv, input);
  sourceError.check();
  if (result.exitCode !== 0) {
    throw new PatchbayError("sandbox_failed", `${argv[0]} failed (exit ${result.exitCode}): ${result.stderr.trim()}`);
  }
}

/** Streams a workspace path out as a tar (`tar -c` on an exec's stdout). */
export async function createTar(container: Docker.Container, root: string, path?: string): Promise<Readable> {
  const member = path === undefined || path === "" || path === "." ? "." : relativeMember(root, path);
  const check = await runRaw(container, ["test", "-e", `${root}/${member}`]);
  if (check.exitCode !== 0) throw new PatchbayError("invalid_request", `Cannot tar "${path}": it does not exist.`);
  return streamCommand(container, ["tar", "-c", "-f", "-", "-C", root, "--", member], "getTar");
}

/** Streams a command's stdout out of the container; a non-zero exit errors the stream. */
export async function streamCommand(container: Docker.Container, cmd: string[], what: string): Promise<Readable> {
  const out = new PassThrough();
  const stderr: Buffer[] = [];
  const handle = await startExec(container, {
    cmd,
    sink: (stream, payload) => {
      if (stream === "stdout") return writeWithBackpressure(out, payload);
      stderr.push(Buffer.from(payload));
      return undefined;
    },
  });
  out.on("close", () => handle.detach());
  void handle.done
    .then(() => handle.exitCode())
    .then(
      (code) => (code === 0 ? out.end() : out.destroy(commandFailed(what, code, stderr))),
      (err: unknown) => out.destroy(sandboxFailed(what, err)),
    );
  return out;
}

function relativeMember(root: string, path: string): string {
  return resolveInRoot(root, path).slice(root.length + 1);
}

function commandFailed(what: string, code: number | null, stderr: Buffer[]): PatchbayError {
  return new PatchbayError(
    "sandbox_failed",
    `${what} failed (exit ${code}): ${Buffer.concat(stderr).toString().trim().slice(-500)}`,
  );
}

function writeWithBackpressure(out: PassThrough, payload: Buffer): Promise<void> | undefined {
  if (out.destroyed) return undefined;
  if (out.write(Buffer.from(payload))) return undefined;
  return new Promise((resolve) => {
    const done = () => {
      out.off("drain", done);
      out.off("close", done);
      resolve();
    };
    out.on("drain", done);
    out.on("close", done);
  });
}

/**
 * Remembers the first error of a source fed to a command; one it failed with before (while a
 * runner was tried first) throws at once: the command would read its end as a complete input.
 */
function watchSource(input: Readable, what: string): { check(): void } {
  let failed: Error | undefined = input.errored ?? undefined;
  const check = () => {
    if (failed) throw sandboxFailed(`${what} (source)`, failed);
  };
  check();
  input.once("error", (err) => {
    failed ??= err;
  });
  return { check };
}
