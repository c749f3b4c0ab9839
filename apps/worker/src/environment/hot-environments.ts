import type { IdleSandbox, Sandbox, SandboxOptions } from "@patchbay/sandbox";
import type { Logger } from "pino";
import { restoreFromFile } from "./snapshot.js";

/** The key of a project's environment among the kept ones (never shared across projects). */
export function hotKey(projectId: string, key: string): string {
  return `${projectId}/${key}`;
}

/** What makes a prepared idle sandbox (DockerSandboxProvider.startIdle). */
export interface IdleSandboxMaker {
  startIdle(request: Omit<SandboxOptions, "jobId">, prepare: (sandbox: Sandbox) => Promise<void>): Promise<IdleSandbox>;
}

/** The job's sandbox request without its job (for an idle sandbox it may claim later). */
export function idleRequest(spec: SandboxOptions): Omit<SandboxOptions, "jobId"> {
  const { jobId: _job, ...rest } = spec;
  return rest;
}

/** How many environments stay restored, and for how long. */
export interface HotSettings {
  max: number;
  ttlMs: number;
}

interface Entry {
  idle: IdleSandbox | null;
  timer: NodeJS.Timeout | undefined;
  /** Offered after a hit (its environment is in use), not after the miss that built it. */
  reused: boolean;
}

/**
 * Environments kept restored in idle sandboxes, one per project and environment key: the next
 * cache hit with that key takes the sandbox and only copies its checkout in, instead of restoring
 * the environment (hundreds of milliseconds for a node_modules) on its path. Made in the background
 * once a job's agent has started; at most `max` at once, each for `ttlMs`. When full, the oldest
 * one offered by a miss goes first (an environment that was hit again is likelier to be hit once
 * more than one a single miss built), else the oldest. A hit is still looked up in the database
 * first, so an environment deleted or expired there is never used. `key` must name the project.
 */
export class HotEnvironments {
  private readonly byKey = new Map<string, Entry>();
  /** Idle sandboxes being made: close() waits for them, so none is left after it. */
  private readonly making = new Set<Promise<void>>();
  private closed = false;

  constructor(
    private readonly maker: IdleSandboxMaker,
    private readonly settings: HotSettings,
    private readonly logger: Logger,
  ) {}

  /** Takes the sandbox restored for `key`, if one is ready and fits the request. */
  take(key: string, request: SandboxOptions): IdleSandbox | undefined {
    const entry = this.byKey.get(key);
    const idle = entry?.idle;
    if (!entry || !idle?.fits(request)) return undefined;
    this.forget(key, entry);
    return idle;
  }

  /**
   * Restores `copy` into an idle sandbox for `key` in the background, unless one is there or being
   * made; `reused` when a hit offers it.
   */
  offer(key: string, request: Omit<SandboxOptions, "jobId">, copy: string, reused: boolean): void {
    if (this.closed || this.settings.max <= 0 || this.byKey.has(key)) return;
    while (this.byKey.size >= this.settings.max) this.evictOne();
    const entry: Entry = { idle: null, timer: undefined, reused };
    this.byKey.set(key, entry);
    const making = this.maker
      .startIdle(request, (sandbox) => restoreFromFile(sandbox, copy))
      .then(async (idle) => {
        if (this.byKey.get(key) !== entry || this.closed) return idle.discard();
        entry.idle = idle;
        entry.timer = setTimeout(() => this.drop(key, entry), this.settings.ttlMs);
        entry.timer.unref();
      })
      .catch((err: unknown) => {
        if (this.byKey.get(key) === entry) this.byKey.delete(key);
        this.logger.warn({ err, key }, "keeping an environment restored failed");
      })
      .finally(() => this.making.delete(making));
    this.making.add(making);
  }

  /** Removes every idle sandbox kept. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.allSettled([...this.making]);
    const entries = [...this.byKey.entries()];
    for (const [key, entry] of entries) this.forget(key, entry);
    await Promise.allSettled(entries.map(([, e]) => e.idle?.discard()));
  }

  private evictOne(): void {
    const entries = [...this.byKey.entries()];
    const [key, entry] = entries.find(([, e]) => !e.reused) ?? (entries[0] as [string, Entry]);
    this.drop(key, entry);
  }

  private drop(key: string, entry: Entry): void {
    this.forget(key, entry);
    entry.idle?.discard().catch((err: unknown) => this.logger.warn({ err, key }, "removing a kept environment failed"));
  }

  private forget(key: string, entry: Entry): void {
    clearTimeout(entry.timer);
    if (this.byKey.get(key) === entry) this.byKey.delete(key);
  }
}
