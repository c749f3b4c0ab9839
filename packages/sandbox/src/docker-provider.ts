import { randomBytes } from "node:crypto";
import { PatchbayError } from "@patchbay/core";
import Dockerode from "dockerode";
import type { CommandSettings } from "./command.js";
import {
  buildContainerConfig,
  nanoCpus,
  type ResolvedSandboxOptions,
  resolveOptions,
  WORKSPACE_ROOT,
} from "./container-config.js";
import { DockerSandbox, removeContainer, type SandboxLogger } from "./docker-sandbox.js";
import { engineIsLocal } from "./engine-location.js";
import { engineCall } from "./errors.js";
import { FileServerLink } from "./file-server.js";
import {
  boundContainerName,
  containerName,
  INSTALLATION_ID_PATTERN,
  installationLabels,
  labelFilter,
  listingFromLabels,
  nameableJobId,
  poolContainerName,
  type SandboxListing,
  UNSET_INSTALLATION_ID,
} from "./labels.js";
import { DEFAULT_OUTPUT_CAP_BYTES } from "./output-cap.js";
import type { RunnerDoor } from "./runner-door.js";
import { RunnerDoors, type RunnerOptions } from "./runner-doors.js";
import type { IdleSandbox, Sandbox, SandboxMount, SandboxOptions, SandboxProvider } from "./sandbox.js";
import { type ShellMode, type ShellNoticeListener, ShellPool } from "./shell-pool.js";
import { type PooledContainer, WarmPool } from "./warm-pool.js";

/** What runs commands and file operations in a sandbox. */
type SandboxHelpers = Pick<PooledContainer, "shells" | "files">;

/** Settings for a DockerSandboxProvider. */
export interface DockerSandboxProviderOptions {
  /** Engine client (default: the local socket, or `DOCKER_HOST` as dockerode reads it). */
  docker?: Dockerode;
  /** Default image for sandboxes that do not name one. */
  image: string;
  /**
   * This installation's id (PATCHBAY_INSTALLATION_ID, or the one stored in its database): on the
   * `patchbay.installation` label of every container, and the only containers `list()` sees.
   * @defaultValue "unset" (tests and benchmarks; a worker always passes its installation's id)
   */
  installationId?: string;
  /** Defaults for every sandbox, under what each create() asks for. */
  defaults?: Partial<SandboxOptions>;
  logger?: SandboxLogger;
  /** Bytes of output kept per stream per command (head + tail). @defaultValue 1 MiB */
  outputCapBytes?: number;
  /** Bytes of output per stream per command passed to onOutput. @defaultValue 8 MiB */
  forwardCapBytes?: number;
  /** Time a signalled command gets before SIGKILL. @defaultValue 1000 */
  killGraceMs?: number;
  /** `session`: one persistent shell per sandbox; `exec`: a fresh engine exec per command. @defaultValue "session" */
  shell?: ShellMode;
  /** Warm pool of started containers for `defaults` (started by `warmUp()`). */
  pool?: { size?: number; maxIdleMs?: number };
  /** Told when a sandbox's shell died and commands fall back to a fresh shell or exec. */
  onShellNotice?: ShellNoticeListener;
  /**
   * The fast path for commands: a runner in each sandbox talking to the worker over a unix socket
   * of that sandbox's own instead of the engine's attach stream. Off when unset.
   */
  runner?: RunnerOptions;
  /**
   * Host files every sandbox gets, read-only, on a local engine (the egress bridge, the host's CA
   * bundle): any sandbox, a warm one included, can then reach the egress proxy once given a door.
   */
  sharedMounts?: SandboxMount[];
}

/** Creates hardened sandboxes on a Docker Engine, keeps a warm pool, and cleans up after jobs. */
export class DockerSandboxProvider implements SandboxProvider {
  /** This provider's pool id, on the `patchbay.pool` label of the containers it pre-starts. */
  readonly poolId = randomBytes(4).toString("hex");
  /** The installation whose containers this provider makes, lists and removes. */
  readonly installationId: string;
  private readonly docker: Dockerode;
  private readonly pools = new Map<string, WarmPool>();
  private readonly renames = new Set<Promise<void>>();
  private readonly doors: RunnerDoors;
  /** Every container this provider started that is not known to be removed yet. */
  private readonly started = new Map<string, Dockerode.Container>();

  constructor(private readonly options: DockerSandboxProviderOptions) {
    this.docker = options.docker ?? new Dockerode();
    this.installationId = options.installationId ?? UNSET_INSTALLATION_ID;
    const runner = (options.shell ?? "session") === "session" ? options.runner : undefined;
    this.doors = new RunnerDoors(runner, this.docker, options.logger);
    if (!INSTALLATION_ID_PATTERN.test(this.installationId)) {
      throw new Error(`installation id ${JSON.stringify(this.installationId)} must match ${INSTALLATION_ID_PATTERN}`);
    }
  }

  /** Whether the engine runs on this host (bind mounts of host paths, sockets included, work). */
  get engineLocal(): boolean {
    return engineIsLocal(this.docker);
  }

  /** Whether sandboxes get host folders with a lend folder (the runner on, with `lendTarget`, on a local engine). */
  get lendsFolders(): boolean {
    return this.engineLocal && this.doors.lends;
  }

  /** Starts the warm pool for the default configuration (size from `pool.size`, default 2). */
  warmUp(overrides: Partial<SandboxOptions> = {}): WarmPool | undefined {
    const size = this.options.pool?.size ?? 2;
    if (size <= 0) return undefined;
    const spec = this.resolve({ ...overrides, jobId: "pool" });
    const key = poolKey(spec);
    let pool = this.pools.get(key);
    if (!pool) {
      pool = new WarmPool(
        { size, maxIdleMs: this.options.pool?.maxIdleMs ?? 30 * 60_000 },
        {
          start: () => this.startPooled(spec),
          remove: (c) => this.removeContainer(c),
          onError: (err) => this.options.logger?.warn({ err }, "warm pool refill failed"),
        },
      );
      this.pools.set(key, pool);
    }
    return pool;
  }

  /**
   * A sandbox for a job: a warm container when the pool holds one with the same configuration
   * (renamed for the job, since labels cannot change), else a new one.
   */
  async create(request: SandboxOptions): Promise<DockerSandbox> {
    const resolved = this.resolve(request);
    const pooled = nameableJobId(resolved.jobId) ? this.pools.get(poolKey(resolved))?.take() : undefined;
    if (pooled && (await this.fitCpus(pooled, resolved))) return this.bind(pooled, resolved);
    return this.createCold(resolved);
  }

  /**
   * Starts an idle container for `request`'s configuration and runs `prepare` in it (an environment
   * restored, say); a job claims it later as it would a pool container (the CPU limit fitted). It
   * is this provider's idle container until claimed: no reaper of this worker takes it.
   */
  async startIdle(
    request: Omit<SandboxOptions, "jobId">,
    prepare: (sandbox: Sandbox) => Promise<void>,
  ): Promise<IdleSandbox> {
    const spec = this.resolve({ ...request, jobId: "pool" });
    const pooled = await this.startPooled(spec);
    try {
      await prepare(this.wrap(pooled.container, spec, pooled, true));
    } catch (err) {
      await this.removeContainer(pooled.container).catch(() => undefined);
      throw err;
    }
    let claimed = false;
    return {
      fits: (r) => poolKey(this.resolve(r)) === poolKey(spec),
      claim: async (r) => {
        claimed = true;
        const resolved = this.resolve(r);
        if (!nameableJobId(resolved.jobId) || !(await this.fitCpus(pooled, resolved)))
          throw new PatchbayError("sandbox_failed", "the prepared sandbox could not be handed to the job");
        return this.bind(pooled, resolved);
      },
      discard: async () => {
        if (!claimed) await this.removeContainer(pooled.container);
      },
    };
  }

  /** Holds every pool's refills until the returned release (WarmPool.hold). */
  holdRefills(maxMs?: number, holder?: string): () => void {
    const releases = [...this.pools.values()].map((pool) => pool.hold(maxMs, holder));
    return () => {
      for (const release of releases) release();
    };
  }

  /** Removes the idle pool containers and stops refilling (sandboxes handed out stay). */
  async close(): Promise<void> {
    const pools = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(pools.map((p) => p.close()));
  }

  /**
   * Removes every container this provider started that is still there, handed out or not: for a
   * worker that has stopped taking jobs, so that nothing a job failed to remove outlives it.
   */
  async removeStarted(): Promise<number> {
    const left = [...this.started.values()];
    const removed = await Promise.all(left.map((c) => this.removeContainer(c).catch(() => false)));
    return removed.filter(Boolean).length;
  }

  /** Removes every container of this job (cold or from a pool); returns how many were removed. */
  async destroyForJob(jobId: string): Promise<number> {
    const found = (await this.list()).filter((c) => c.jobId === jobId && jobId !== "");
    const removed = await Promise.all(found.map((c) => this.remove(c.id)));
    return removed.filter(Boolean).length;
  }

  /** Force-removes one container by id; false when it was gone already. */
  async remove(containerId: string): Promise<boolean> {
    return this.removeContainer(this.docker.getContainer(containerId));
  }

  /** This installation's containers, running or not, idle pool containers included. */
  async list(): Promise<SandboxListing[]> {
    await Promise.all(this.renames);
    const containers = await engineCall("list", () =>
      this.docker.listContainers({ all: true, filters: labelFilter(this.installationId) }),
    );
    return containers.map((c) => listingFromLabels(c.Id, c.Labels, c.Created, c.Names));
  }

  private resolve(request: SandboxOptions): ResolvedSandboxOptions {
    return resolveOptions(this.options.image, this.options.defaults ?? {}, request);
  }

  private async createCold(resolved: ResolvedSandboxOptions): Promise<DockerSandbox> {
    const started = performance.now();
    const name = containerName(resolved.jobId, randomBytes(4).toString("hex"));
    const door = await this.doors.open();
    const container = await this.startContainer(buildContainerConfig(resolved, name, new Date()), door);
    const ms = Math.round(performance.now() - started);
    this.options.logger?.debug({ jobId: resolved.jobId, containerId: container.id, ms }, "sandbox started");
    // As a pool container's: the shell starts while the caller fills the workspace, not at its first
    // command; the file server at the first file operation (a third engine exec beside the fill
    // made a cold sandbox ~150 ms slower: bench sandbox, 1.06× → 1.41× its floor).
    const helpers = this.startHelpers(container, door, false);
    return this.wrap(container, resolved, helpers, false);
  }

  /**
   * A pool container with another CPU limit than the job's gets the job's (one engine call on the
   * running container instead of a cold start, ~0.4 s here); one that cannot is removed.
   */
  private async fitCpus(pooled: PooledContainer, resolved: ResolvedSandboxOptions): Promise<boolean> {
    if (pooled.cpus === resolved.cpus) return true;
    try {
      await engineCall("update", () => pooled.container.update({ NanoCpus: nanoCpus(resolved.cpus) }));
      return true;
    } catch (err) {
      this.options.logger?.warn(
        { err, containerId: pooled.container.id },
        "changing a warm container's CPU limit failed",
      );
      await this.removeContainer(pooled.container).catch(() => undefined);
      return false;
    }
  }

  private async startPooled(spec: ResolvedSandboxOptions): Promise<PooledContainer> {
    const suffix = randomBytes(4).toString("hex");
    const config = buildContainerConfig(spec, poolContainerName(this.poolId, suffix), new Date(), this.poolId);
    const door = await this.doors.open();
    const container = await this.startContainer(config, door);
    return { container, suffix, startedAt: Date.now(), cpus: spec.cpus, ...this.startHelpers(container, door) };
  }

  /**
   * Hands a pool container to a job. The rename that writes the job into its name (labels cannot
   * change) runs in the background: only this provider could look the job up in the ~10 ms it
   * takes, and `list`/`destroyForJob` wait for pending renames first. Others (reapers of other workers)
   * treat an unrenamed pool container as idle, and remove idle ones of other pools only after an hour.
   */
  private bind(pooled: PooledContainer, resolved: ResolvedSandboxOptions): DockerSandbox {
    const name = boundContainerName(resolved.jobId, pooled.suffix);
    const renamed = engineCall("rename", () => pooled.container.rename({ name })).catch((err: unknown) => {
      this.options.logger?.warn({ err, jobId: resolved.jobId }, "renaming a warm container for its job failed");
    });
    this.renames.add(renamed);
    void renamed.finally(() => this.renames.delete(renamed));
    this.options.logger?.debug({ jobId: resolved.jobId, containerId: pooled.container.id }, "warm sandbox taken");
    return this.wrap(pooled.container, resolved, pooled, true);
  }

  /** Creates and starts a container (with its runner's mounts); one that fails to start is removed again. */
  private async startContainer(
    config: Dockerode.ContainerCreateOptions,
    door: RunnerDoor | undefined,
  ): Promise<Dockerode.Container> {
    const labelled = { ...config, Labels: { ...config.Labels, ...installationLabels(this.installationId) } };
    const shared = this.engineLocal ? (this.options.sharedMounts ?? []) : [];
    const mounts = [
      ...(config.HostConfig?.Mounts ?? []),
      ...(door ? this.doors.mounts(door) : []),
      ...shared.map((m) => ({ Type: m.type, Source: m.source, Target: m.target, ReadOnly: true })),
    ];
    labelled.HostConfig = { ...config.HostConfig, Mounts: mounts };
    let container: Dockerode.Container | undefined;
    try {
      container = await engineCall("create", () => this.docker.createContainer(labelled));
      this.started.set(container.id, container);
      await engineCall("start", () => (container as Dockerode.Container).start());
    } catch (err) {
      await door?.close();
      if (container) await removeContainer(container, this.options.logger).catch(() => undefined);
      throw err;
    }
    return container;
  }

  /** Removes a container and closes its runner socket. */
  private async removeContainer(container: Dockerode.Container): Promise<boolean> {
    this.doors.leave(container.id);
    try {
      const removed = await removeContainer(container, this.options.logger);
      this.started.delete(container.id);
      return removed;
    } finally {
      await this.doors.closeFor(container.id);
    }
  }

  private wrap(
    c: Dockerode.Container,
    o: ResolvedSandboxOptions,
    { shells, files }: SandboxHelpers,
    pooled: boolean,
  ): DockerSandbox {
    const listener = this.options.onShellNotice;
    if (listener) shells.onNotice = (message) => listener({ jobId: o.jobId, containerId: c.id, message });
    const forget = () => this.started.delete(c.id);
    const folders = this.doors.foldersOf(c.id);
    return new DockerSandbox(
      c,
      o.jobId,
      this.commandSettings(o.env),
      shells,
      files,
      this.options.logger,
      pooled,
      forget,
      folders,
    );
  }

  /** The container's persistent shells and file server, starting in the background (the server now or at first use). */
  private startHelpers(container: Dockerode.Container, door: RunnerDoor | undefined, filesNow = true): SandboxHelpers {
    const link = door ? this.doors.link(container, door, WORKSPACE_ROOT) : undefined;
    const shells = new ShellPool(container, WORKSPACE_ROOT, this.options.shell ?? "session", link);
    const files = new FileServerLink(shells);
    shells.warm();
    if (filesNow) files.warm();
    return { shells, files };
  }

  private commandSettings(env: Record<string, string>): CommandSettings {
    return {
      root: WORKSPACE_ROOT,
      capBytes: this.options.outputCapBytes ?? DEFAULT_OUTPUT_CAP_BYTES,
      forwardCapBytes: this.options.forwardCapBytes ?? 8 * DEFAULT_OUTPUT_CAP_BYTES,
      killGraceMs: this.options.killGraceMs ?? 1000,
      sandboxPath: env.PATH,
    };
  }
}

/** Requests that resolve to the same key can share warm containers (the job and worker ids and the CPU limit aside). */
export function poolKey(o: ResolvedSandboxOptions): string {
  const { jobId: _job, cpus: _cpus, env, ...rest } = o;
  const fields = Object.entries(rest).sort(([a], [b]) => a.localeCompare(b));
  return JSON.stringify([fields, Object.entries(env).sort(([a], [b]) => a.localeCompare(b))]);
}
