import { spawn } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, isAbsolute, join } from "node:path";
import type { ExecOptions, ExecResult, Workspace } from "@patchbay/core";

/**
 * A Workspace over a folder on this machine, for tests: real files, real commands run with
 * `bash -c`, no container. Not for production: nothing is isolated.
 */
export class LocalWorkspace implements Workspace {
  private constructor(readonly root: string) {}

  /** A workspace in a fresh temporary folder holding `files` (path → content). */
  static async create(files: Record<string, string> = {}): Promise<LocalWorkspace> {
    const workspace = new LocalWorkspace(await mkdtemp(join(tmpdir(), "patchbay-checks-")));
    for (const [path, content] of Object.entries(files)) await workspace.writeFile(path, content);
    return workspace;
  }

  /** Runs `bash -c command` in the folder; never throws for a non-zero exit. */
  exec(command: string, options: ExecOptions = {}): Promise<ExecResult> {
    const started = Date.now();
    const cwd = options.cwd ? (isAbsolute(options.cwd) ? options.cwd : join(this.root, options.cwd)) : this.root;
    // `env NAME=value … bash` adds to the inherited environment. Its own process group, so a
    // time-out kills the command's children too (npm → node → …).
    const assignments = Object.entries(options.env ?? {}).map(([name, value]) => `${name}=${value}`);
    const child = spawn("env", [...assignments, "bash", "-c", command], { cwd, detached: true });
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
        if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
      } catch {
        // Already gone.
      }
    };
    const onTimeout = () => {
      timedOut = true;
      kill();
    };
    const timer = options.timeoutMs ? setTimeout(onTimeout, options.timeoutMs) : undefined;
    options.signal?.addEventListener("abort", kill, { once: true });
    return new Promise((resolve) => {
      child.on("close", (code) => {
        clearTimeout(timer);
        options.signal?.removeEventListener("abort", kill);
        resolve({ exitCode: code, ...out, timedOut, durationMs: Date.now() - started, truncatedBytes: 0 });
      });
    });
  }

  /** Reads a file relative to the root; null when absent. */
  async readFile(path: string): Promise<Buffer | null> {
    return readFile(join(this.root, path)).catch((err: NodeJS.ErrnoException) => {
      if (err.code === "ENOENT") return null;
      throw err;
    });
  }

  /** Writes a file relative to the root, creating parent folders. */
  async writeFile(path: string, content: Buffer | string): Promise<void> {
    await mkdir(dirname(join(this.root, path)), { recursive: true });
    await writeFile(join(this.root, path), content);
  }

  /** Deletes a file relative to the root. */
  async deleteFile(path: string): Promise<void> {
    await rm(join(this.root, path), { force: true });
  }

  /** Removes the whole folder. */
  async dispose(): Promise<void> {
    await rm(this.root, { recursive: true, force: true });
  }
}
