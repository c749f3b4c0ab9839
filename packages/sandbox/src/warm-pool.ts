import type Dockerode from "dockerode";
import type { FileServerLink } from "./file-server.js";
import type { ShellPool } from "./shell-pool.js";

/** A started, idle container waiting for a job. */
export interface PooledContainer {
  container: Dockerode.Container;
  /** The random part of its name, kept when it is renamed for its job. */
  suffix: string;
  startedAt: number;
  /** Its CPU limit (a job asking for another gets it changed on the running container). */
  cpus: number;
  /** Its shells, already started so that the first command does not wait. */
  shells: ShellPool;
  /** Its file server, started beside the shells. */
  files: FileServerLink;
}

/** What a pool needs from its provider. */
export interface WarmPoolDeps {
  /** Creates and starts one idle container. */
  start(): Promise<PooledContainer>;
  /** Force-removes a container. */
  remove(container: Dockerode.Container): Promise<unknown>;
  onError(err: unknown): void;
}

/** Settings for one pool. */
export interface WarmPoolSettings {
  size: number;
  /** Idle containers older than this are replaced by fresh ones. */
  maxIdleMs: number;
}

const MAX_BACKOFF_MS = 60_000;

/**
 * N started containers of one configuration, handed out once each and refilled in the
 * background, one container at a time so that refilling never competes much with running jobs.
 */
export class WarmPool {
  private readonly idle: PooledContainer[] = [];
  /** The running fill loop, if any: close waits for it, so no container starts after close. */
  private filling: Promise<void> | null = null;
  private closed = false;
  private failures = 0;
  /** Who holds refills, and how many holds each (see hold()). */
  private readonly holders = new Map<string | symbol, number>();
  /** A take found the pool empty since it was last full: holds no longer stop refills (see hold()). */
  private starved = false;
  private retry: NodeJS.Timeout | undefined;
  private readonly recycler: NodeJS.Timeout;

  constructor(
    private readonly settings: WarmPoolSettings,
    private readonly deps: WarmPoolDeps,
  ) {
    this.recycler = setInterval(() => this.recycle(), Math.min(60_000, settings.maxIdleMs)).unref();
    this.refill();
  }

  /** Idle containers ready now. */
  get ready(): number {
    return this.idle.length;
  }

  /** Takes an idle container (never one that was used) and starts refilling; undefined when empty. */
  take(): PooledContainer | undefined {
    const taken = this.idle.shift();
    if (!taken) this.starved = true;
    this.refill();
    return taken;
  }

  /**
   * Starts no container until the returned release is called (or `maxMs` passed): CPU-bound work
   * on this host, such as a job's setup and checks, runs without container starts beside it (each
   * takes ~0.4 s of the engine's work here). A start already under way finishes. Holds defer refills
   * only while one `holder` (a job: its holds count once) has them: jobs side by side keep the pool
   * refilling as it would without holds, so the next job finds a warm container. And once a take
   * finds the pool empty, holds are ignored until it is full again.
   */
  hold(maxMs = 120_000, holder: string | symbol = Symbol("hold")): () => void {
    this.holders.set(holder, (this.holders.get(holder) ?? 0) + 1);
    // A second holder lifts the hold: refilling goes on.
    this.refill();
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      clearTimeout(timer);
      const left = (this.holders.get(holder) ?? 1) - 1;
      if (left > 0) this.holders.set(holder, left);
      else this.holders.delete(holder);
      this.refill();
    };
    const timer = setTimeout(release, maxMs);
    timer.unref();
    return release;
  }

  /** Resolves once the pool is full (or closed); for benchmarks and tests. */
  async filled(timeoutMs = 60_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (!this.closed && this.idle.length < this.settings.size && Date.now() < until) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** Stops refilling and removes the idle containers, including one that was starting. */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.recycler);
    clearTimeout(this.retry);
    // A container being started now is removed by the fill loop once it sees the pool closed.
    await this.filling;
    const idle = this.idle.splice(0);
    await Promise.all(idle.map((p) => this.deps.remove(p.container).catch((err) => this.deps.onError(err))));
  }

  /** Refills wait: one holder has them, and no take has gone without. */
  private get held(): boolean {
    return this.holders.size === 1 && !this.starved;
  }

  /** Starts containers one after another until the pool is full; backs off after failures. */
  private refill(): void {
    if (this.filling || this.closed || this.retry || this.held) return;
    if (this.idle.length >= this.settings.size) return;
    this.filling = this.fillLoop().finally(() => {
      this.filling = null;
    });
  }

  private async fillLoop(): Promise<void> {
    while (!this.closed && this.idle.length < this.settings.size && !this.held) {
      try {
        const pooled = await this.deps.start();
        if (this.closed) {
          await this.deps.remove(pooled.container).catch(() => undefined);
          return;
        }
        this.idle.push(pooled);
        this.failures = 0;
        if (this.idle.length >= this.settings.size) this.starved = false;
      } catch (err) {
        this.deps.onError(err);
        this.failures++;
        const delay = Math.min(MAX_BACKOFF_MS, 500 * 2 ** this.failures);
        this.retry = setTimeout(() => {
          this.retry = undefined;
          this.refill();
        }, delay).unref();
        return;
      }
    }
  }

  private recycle(): void {
    const cutoff = Date.now() - this.settings.maxIdleMs;
    const stale = this.idle.filter((p) => p.startedAt < cutoff);
    if (stale.length === 0) return;
    this.idle.splice(0, this.idle.length, ...this.idle.filter((p) => p.startedAt >= cutoff));
    for (const p of stale) void this.deps.remove(p.container).catch((err) => this.deps.onError(err));
    this.refill();
  }
}
