import { PatchbayError } from "@patchbay/core";
import type { IdleSandbox, Sandbox, SandboxMount, SandboxProvider } from "@patchbay/sandbox";
import { tarDirectory } from "@patchbay/sandbox";
import type { HostCheckout } from "./clone.js";

/** The limits every sandbox of one job gets. */
export interface JobSandboxSpec {
  jobId: string;
  workerId: string;
  image: string;
  cpus: number;
  memoryMb: number;
}

/**
 * The sandboxes of one job (setup, agent, after-checks): each made with the job's limits, and
 * all of them removed together when the job ends or is cancelled.
 */
export class JobSandboxes {
  private readonly live = new Set<Sandbox>();
  private closed = false;

  private jobMounts: (() => Promise<SandboxMount[]>) | null = null;
  private checkout: Pick<HostCheckout, "dir" | "fill"> | null = null;
  private readonly removals = new Set<Promise<void>>();
  /** Sandboxes being made: `removeAll` waits for them (each removes itself once made, if closed). */
  private readonly making = new Set<Promise<unknown>>();

  constructor(
    private readonly provider: SandboxProvider,
    readonly spec: JobSandboxSpec,
  ) {}

  /** Whether its sandboxes have host folders to lend into (SandboxHostFolders): a warm one can then run setup. */
  get lendsFolders(): boolean {
    return this.provider.lendsFolders === true;
  }

  /** Holds the warm pool's refills while `work` runs (at most `maxMs`): setup and checks are CPU-bound, on this host. */
  async withoutRefills<T>(work: () => Promise<T>, maxMs?: number): Promise<T> {
    // The job is the holder: its environment's hold inside its own counts once (WarmPool.hold).
    const release = this.provider.holdRefills?.(maxMs, this.spec.jobId) ?? (() => undefined);
    try {
      return await work();
    } finally {
      release();
    }
  }

  /** The job's checkout: a sandbox asked for its `dir` is filled by its `fill` (from the git cache) when it has one. */
  useCheckout(checkout: Pick<HostCheckout, "dir" | "fill">): void {
    this.checkout = checkout;
  }

  /** Mounts every sandbox made from now on gets (an agent engine's: AgentEngine.mounts). */
  mountInEvery(mounts: () => Promise<SandboxMount[]>): void {
    this.jobMounts = mounts;
  }

  /** A new sandbox from the job's image (or `image`), with `mounts`, holding the host checkout when given. */
  async create(
    options: { image?: string; mounts?: SandboxMount[]; checkoutDir?: string; env?: Record<string, string> } = {},
  ): Promise<Sandbox> {
    const making = this.make(options);
    this.making.add(making);
    let sandbox: Sandbox;
    try {
      sandbox = await making;
    } finally {
      this.making.delete(making);
    }
    await this.adopt(sandbox);
    if (options.checkoutDir) await this.fill(sandbox, options.checkoutDir);
    return sandbox;
  }

  /** Counts a sandbox as the job's; one made while the job was closed (a cancel) must not outlive it. */
  private async adopt(sandbox: Sandbox): Promise<void> {
    this.live.add(sandbox);
    if (this.closed) {
      await this.remove(sandbox);
      throw new PatchbayError("sandbox_failed", "the job ended while its sandbox was being made");
    }
  }

  private async make(options: {
    image?: string;
    mounts?: SandboxMount[];
    env?: Record<string, string>;
  }): Promise<Sandbox> {
    const mounts = [...(options.mounts ?? []), ...((await this.jobMounts?.()) ?? [])];
    return this.provider.create({
      ...this.spec,
      ...(options.image ? { image: options.image } : {}),
      ...(mounts.length ? { mounts } : {}),
      ...(options.env ? { env: options.env } : {}),
    });
  }

  /** Takes a prepared idle sandbox (HotEnvironments) as one of the job's. */
  async claim(idle: IdleSandbox): Promise<Sandbox> {
    const sandbox = await idle.claim({ ...this.spec });
    await this.adopt(sandbox);
    return sandbox;
  }

  /** Copies the host checkout `dir` into a sandbox made without one. */
  async fill(sandbox: Sandbox, dir: string): Promise<void> {
    if (this.checkout?.dir === dir && this.checkout.fill) await this.checkout.fill(sandbox);
    else await sandbox.putTar(tarDirectory(dir));
  }

  /** Removes one sandbox (its processes die with it). */
  async remove(sandbox: Sandbox): Promise<void> {
    this.live.delete(sandbox);
    const removal = sandbox.destroy();
    this.removals.add(removal);
    try {
      await removal;
    } finally {
      this.removals.delete(removal);
    }
  }

  /**
   * Starts removing a sandbox the job is done with and returns at once: its processes are killed
   * first, and what the engine still does to delete it runs beside the job's next step instead of
   * before it. `removeAll` waits for it; a failure is left to it and to the reaper.
   */
  discard(sandbox: Sandbox): void {
    if (this.live.has(sandbox)) this.remove(sandbox).catch(() => undefined);
  }

  /**
   * Removes every sandbox but `keep`; with no `keep`, also refuses new ones from now on. Waits for
   * removals already under way too (a cancel's), so the job's end is recorded only once they are gone.
   */
  async removeAll(keep?: Sandbox): Promise<void> {
    if (!keep) this.closed = true;
    // One still being made when the job ends removes itself once it exists: wait for that too.
    if (!keep) await Promise.allSettled([...this.making]);
    const doomed = [...this.live].filter((s) => s !== keep);
    await Promise.allSettled([...doomed.map((s) => this.remove(s)), ...this.removals]);
  }
}
