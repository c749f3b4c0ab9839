import { spawn } from "node:child_process";
import { mkdir, open, readFile, rm, writeFile } from "node:fs/promises";
import { dirname, isAbsolute, relative, resolve } from "node:path";
import type { ExecOptions, ExecResult, ReadFileOptions, Workspace } from "@patchbay/core";

/**
 * A Workspace over a folder on this machine, with commands run by the local bash. For this
 * package's tests and local experiments only: it is no sandbox, so never point a model at it
 * in production.
 */
export class LocalWorkspace implements Workspace {
  readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  /** Runs `bash -c command` in the folder; never throws for a non-zero exit. */
  exec(command: string, options: ExecOptions = {}): Promise<ExecResult> {
    const cwd = options.cwd === undefined ? this.root : this.resolve(options.cwd);
    return runLocal(command, cwd, options);
  }

  /** Reads a file relative to root (at most `maxBytes` of it); null when it does not exist. */
  async readFile(path: string, options: ReadFileOptions = {}): Promise<Buffer | null> {
    try {
      if (options.maxBytes === undefined) return await readFile(this.resolve(path));
      const file = await open(this.resolve(path), "r");
      try {
        const buffer = Buffer.alloc(options.maxBytes);
        const { bytesRead } = await file.read(buffer, 0, options.maxBytes, 0);
        return buffer.subarray(0, bytesRead);
      } finally {
        await file.close();
      }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
      throw err;
    }
  }

  /** Writes a file relative to root, creating parent folders. */
  async writeFile(path: string, content: Buffer | string): Promise<void> {
    const full = this.resolve(path);
    await mkdir(dirname(full), { recursive: true });
    await writeFile(full, content);
  }

  /** Deletes a file relative to root. */
  async deleteFile(path: string): Promise<void> {
    await rm(this.resolve(path));
  }

  private resolve(path: string): string {
    const full = resolve(this.root, path);
    const rel = relative(this.root, full);
    if (rel.startsWith("..") || isAbsolute(rel)) throw new Error(`path escapes the workspace: ${path}`);
    return full;
  }
}

function runLocal(command: string, cwd: string, options: ExecOptions): Promise<ExecResult> {
  const started = Date.now();
  // `env` adds the extra variables to the inherited environment. Not a login shell (unlike the
  // sandbox): this host's profile scripts are not ours to depend on. The child gets its own
  // process group, so that a timeout kills the whole pipeline and not just bash.
  const extra = Object.entries(options.env ?? {}).map(([key, value]) => `${key}=${value}`);
  const child = spawn("env", [...extra, "bash", "-c", command], {
    cwd,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const out = { stdout: "", stderr: "" };
  for (const stream of ["stdout", "stderr"] as const) {
    child[stream].setEncoding("utf8");
    child[stream].on("data", (text: string) => {
      out[stream] += text;
      options.onOutput?.(stream, text);
    });
  }
  let timedOut = false;
  const kill = () => {
    try {
      if (child.pid !== undefined && child.exitCode === null) process.kill(-child.pid, "SIGKILL");
    } catch {
      // The group exited between the check and the kill.
    }
  };
  const timer =
    options.timeoutMs === undefined
      ? undefined
      : setTimeout(() => {
          timedOut = true;
          kill();
        }, options.timeoutMs);
  options.signal?.addEventListener("abort", kill, { once: true });
  return new Promise((done, fail) => {
    child.on("error", fail);
    child.on("close", (code) => {
      clearTimeout(timer);
      options.signal?.removeEventListener("abort", kill);
      const exitCode = timedOut ? null : code;
      done({ exitCode, ...out, timedOut, durationMs: Date.now() - started, truncatedBytes: 0 });
    });
  });
}
