import { chmod, lstat, mkdir, readdir, rename, rm } from "node:fs/promises";
import path from "node:path";
import type { SandboxMount } from "@patchbay/sandbox";
import type { Logger } from "pino";
import { CACHE_MOUNT } from "./setup-env.js";

/** A project's dependency cache lent into one sandbox; `giveBack` returns what it holds then (once). */
export interface LentCache {
  giveBack(): Promise<void>;
}

/**
 * Per-project dependency caches (npm, pnpm, yarn, pip, poetry), one host folder per project under
 * `root`, never shared across projects or installations. A setup sandbox gets its project's cache
 * either lent into its lend folder (its top-level folders renamed in and back out: O(1), so a warm
 * sandbox can run setup) or, without a lend folder, bind-mounted at CACHE_MOUNT. `root` must be on
 * the filesystem of the sandboxes' runner folders (both live under PATCHBAY_WORK_DIR).
 */
export class ProjectCaches {
  constructor(
    private readonly root: string,
    private readonly logger: Logger,
  ) {}

  /** The host folder of one project's cache. */
  dir(installationId: string, projectId: string): string {
    return path.join(this.root, safe(`${installationId}-${projectId}`));
  }

  /** Moves the project's cache into `lendDir` and lets the sandbox user write there. */
  async lend(dir: string, lendDir: string): Promise<LentCache> {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    for (const name of await readdir(dir)) await rename(path.join(dir, name), path.join(lendDir, name));
    await chmod(lendDir, 0o777);
    let given: Promise<void> | undefined;
    return { giveBack: () => (given ??= this.giveBack(dir, lendDir)) };
  }

  /**
   * Moves what the lend folder holds back into the project's cache. A folder another setup of the
   * same project gave back first (two misses at once) wins: this one's copy is dropped.
   */
  private async giveBack(dir: string, lendDir: string): Promise<void> {
    try {
      await chmod(lendDir, 0o755);
      await mkdir(dir, { recursive: true, mode: 0o700 });
      for (const name of await readdir(lendDir)) {
        const home = path.join(dir, name);
        if (await exists(home)) await rm(path.join(lendDir, name), { recursive: true, force: true });
        else await rename(path.join(lendDir, name), home);
      }
    } catch (err) {
      // A lost cache costs the next miss its downloads, never a job.
      this.logger.warn({ err, dir }, "the dependency cache could not be given back: the next setup starts without it");
    }
  }

  /** The project's cache as a mount at CACHE_MOUNT, for a sandbox without a lend folder. */
  async mount(dir: string): Promise<SandboxMount> {
    await mkdir(dir, { recursive: true });
    // The sandbox runs as another uid; the root above it is the worker's alone.
    await chmod(dir, 0o777);
    return { type: "bind", source: dir, target: CACHE_MOUNT, readOnly: false };
  }
}

/** Whether `file` is there (a symlink a sandbox left is not followed). */
async function exists(file: string): Promise<boolean> {
  return lstat(file).then(
    () => true,
    () => false,
  );
}

function safe(name: string): string {
  return name.replace(/[^A-Za-z0-9_.-]/g, "_").slice(0, 200);
}
