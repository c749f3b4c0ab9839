import { randomBytes } from "node:crypto";
import { chmod, lstat, mkdir, readdir, rename, rm, utimes, writeFile } from "node:fs/promises";
import path from "node:path";
import type { SandboxMount } from "@patchbay/sandbox";
import type { Logger } from "pino";
import { takeLock } from "../file-lock.js";
import { CACHE_LOCKS, CACHE_USES, sweepProjectCaches } from "./project-cache-sweep.js";
import { CACHE_MOUNT } from "./setup-env.js";

/** A project's dependency cache lent into one sandbox; `giveBack` returns what it holds then (once). */
export interface LentCache {
  giveBack(): Promise<void>;
}

/** How big the caches may get together, and how often a setup's give-back sweeps them. */
export interface ProjectCacheLimits {
  maxBytes: number;
  /** A sweep after a setup is done with its cache at most this often (each walks every cache). */
  sweepAfterUseEveryMs: number;
}

/**
 * Per-project dependency caches (npm, pnpm, yarn, pip, poetry), one host folder per project under
 * `root`, never shared across projects or installations. A setup sandbox gets its project's cache
 * either lent into its lend folder (its top-level folders renamed in and back out: O(1), so a warm
 * sandbox can run setup) or, without a lend folder, bind-mounted at CACHE_MOUNT. `root` must be on
 * the filesystem of the sandboxes' runner folders (both live under PATCHBAY_WORK_DIR). Together
 * they stay under `maxBytes`: past it, the least recently used go (project-cache-sweep.ts).
 */
export class ProjectCaches {
  private sweeping: Promise<void> | null = null;
  private lastSweep = 0;

  constructor(
    private readonly root: string,
    private readonly logger: Logger,
    private readonly limits: ProjectCacheLimits = { maxBytes: Number.POSITIVE_INFINITY, sweepAfterUseEveryMs: 0 },
  ) {}

  /** The host folder of one project's cache. */
  dir(installationId: string, projectId: string): string {
    return path.join(this.root, safe(`${installationId}-${projectId}`));
  }

  /**
   * Moves the project's cache into `lendDir` and lets the sandbox user write there; null when the
   * cache stayed locked (setup then runs without it: a cache is worth no job).
   */
  async lend(dir: string, lendDir: string): Promise<LentCache | null> {
    const use = await this.use(dir);
    if (!use) return null;
    try {
      for (const name of await readdir(dir)) {
        // Gone meanwhile: another worker's setup of this project took it first.
        await rename(path.join(dir, name), path.join(lendDir, name)).catch(ignoreGone);
      }
      await chmod(lendDir, 0o777);
    } catch (err) {
      await use();
      throw err;
    }
    let given: Promise<void> | undefined;
    return { giveBack: () => (given ??= this.giveBack(dir, lendDir).finally(use)) };
  }

  /** The project's cache as a mount at CACHE_MOUNT, for a sandbox without a lend folder; null as `lend`. */
  async mount(dir: string): Promise<{ mount: SandboxMount; lent: LentCache } | null> {
    const use = await this.use(dir);
    if (!use) return null;
    // The sandbox runs as another uid; the root above it is the worker's alone.
    await chmod(dir, 0o777);
    let given: Promise<void> | undefined;
    return {
      mount: { type: "bind", source: dir, target: CACHE_MOUNT, readOnly: false },
      lent: { giveBack: () => (given ??= use()) },
    };
  }

  /** Removes the least recently used caches not in use while all take more than the cap (after a sweep under way). */
  async sweep(): Promise<void> {
    if (!Number.isFinite(this.limits.maxBytes)) return;
    const run = async () => {
      this.lastSweep = Date.now();
      const { removed, bytes } = await sweepProjectCaches(this.root, this.limits.maxBytes).catch((err: unknown) => {
        this.logger.warn({ err }, "sweeping the dependency caches failed");
        return { removed: [], bytes: 0 };
      });
      if (removed.length > 0) this.logger.info({ removed, bytes }, "dependency caches over their cap removed");
    };
    const next = (this.sweeping ?? Promise.resolve()).then(run);
    this.sweeping = next;
    await next;
    if (this.sweeping === next) this.sweeping = null;
  }

  /**
   * Marks the cache in use (a sweep leaves it alone) under its lock, so a sweep never removes it
   * between the two. The returned end records the use's time (least recently used goes first).
   */
  private async use(dir: string): Promise<(() => Promise<void>) | null> {
    const name = path.basename(dir);
    const uses = path.join(this.root, CACHE_USES, name);
    await mkdir(path.join(this.root, CACHE_LOCKS), { recursive: true });
    const options = { timeoutMs: 10_000, what: `the dependency cache ${name}`, code: "internal" as const };
    const lock = await takeLock(path.join(this.root, CACHE_LOCKS, `${name}.lock`), options).catch((err: unknown) => {
      this.logger.warn({ err, dir }, "the dependency cache stayed locked: setup runs without it");
      return null;
    });
    if (!lock) return null;
    const marker = path.join(uses, `${process.pid}-${randomBytes(4).toString("hex")}`);
    try {
      await mkdir(dir, { recursive: true, mode: 0o700 });
      await mkdir(uses, { recursive: true });
      await writeFile(marker, "");
    } finally {
      await lock.release();
    }
    return async () => {
      const now = new Date();
      await utimes(dir, now, now).catch(() => undefined);
      await rm(marker, { force: true });
      if (!this.sweeping && Date.now() - this.lastSweep >= this.limits.sweepAfterUseEveryMs) void this.sweep();
    };
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
}

function ignoreGone(err: unknown): void {
  if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
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
