import { constants } from "node:fs";
import { access } from "node:fs/promises";
import type Dockerode from "dockerode";
import type { SandboxLogger } from "./docker-sandbox.js";
import { engineIsLocal } from "./engine-location.js";
import { RUNNER_PATHS, RunnerDoor } from "./runner-door.js";
import { runnerConnector } from "./runner-transport.js";
import type { SandboxHostFolders } from "./sandbox.js";
import type { RunnerLink } from "./shell-pool.js";

/** The fast command path: the runner binary on the host and where the sandboxes' sockets live. */
export interface RunnerOptions {
  /** The static runner (runner/sandbox-runner.c; scripts/build-sandbox-runner.sh builds it). */
  binaryPath: string;
  /** Host folder for the per-sandbox socket folders (unix socket paths are short: keep it short). */
  socketRoot: string;
  /** How long a runner gets to connect before its sandbox uses the attach stream. @defaultValue 5000 */
  startTimeoutMs?: number;
  /**
   * Where each sandbox sees its lend folder: a host folder of its own, mounted read-write but
   * unwritable by the sandbox user until the worker lends something into it (Sandbox.hostFolders).
   */
  lendTarget?: string;
}

/**
 * The provider's per-sandbox runner sockets: opens one before a container is created (its folder
 * is a mount), links it to the container's shells, and closes it with the container. Off when
 * no runner is configured, its binary is missing, or the engine is remote (bind mounts are host paths).
 */
export class RunnerDoors {
  private usable: Promise<boolean> | undefined;
  private readonly byContainer = new Map<string, RunnerDoor>();
  /** Containers being removed: a runner failing to start in one is expected then, not news. */
  private readonly leaving = new Set<string>();

  constructor(
    private readonly options: RunnerOptions | undefined,
    private readonly docker: Dockerode,
    private readonly logger?: SandboxLogger,
  ) {}

  /** Whether the sandboxes get a lend folder (when their runner starts). */
  get lends(): boolean {
    return this.options?.lendTarget !== undefined;
  }

  /** A fresh socket for a sandbox about to be created; undefined when the runner is off. */
  async open(): Promise<RunnerDoor | undefined> {
    const options = this.options;
    if (!options || !(await this.checkUsable(options))) return undefined;
    try {
      return await RunnerDoor.open(options.socketRoot);
    } catch (err) {
      this.logger?.warn(
        { err, socketRoot: options.socketRoot },
        "sandbox runner socket failed: using the attach stream",
      );
      return undefined;
    }
  }

  /** The mounts that give a sandbox its runner and its lend folder. */
  mounts(door: RunnerDoor): ReturnType<RunnerDoor["mounts"]> {
    return door.mounts(this.options?.binaryPath ?? "", this.options?.lendTarget);
  }

  /** A linked container's host folders; undefined without a runner. */
  foldersOf(containerId: string): SandboxHostFolders | undefined {
    const door = this.byContainer.get(containerId);
    if (!door) return undefined;
    const lendTarget = this.options?.lendTarget;
    return {
      runner: door.hostDir,
      runnerInSandbox: RUNNER_PATHS.socketDir,
      lend: lendTarget ? { hostDir: door.lendDir, inSandbox: lendTarget } : null,
    };
  }

  /** Ties the socket to its container: its shells start behind the runner; removal closes it. */
  link(container: Dockerode.Container, door: RunnerDoor, workingDir: string): RunnerLink {
    this.byContainer.set(container.id, door);
    const close = async () => {
      if (this.byContainer.get(container.id) === door) this.byContainer.delete(container.id);
      await door.close();
    };
    return {
      connect: runnerConnector(container, door, workingDir, this.options?.startTimeoutMs),
      onFailure: (err) => {
        // Being removed, or removed already (the failure can be seen after the removal closed its socket).
        if (this.leaving.has(container.id) || this.byContainer.get(container.id) !== door) return;
        this.logger?.warn({ err, containerId: container.id }, "sandbox runner did not start: using the attach stream");
      },
      close,
      expect: (token) => door.expect(token),
    };
  }

  /** The container's removal begins (its runner may be starting: a pool closing at shutdown). */
  leave(containerId: string): void {
    if (this.byContainer.has(containerId)) this.leaving.add(containerId);
  }

  /** Closes the socket of a removed container (a no-op when it has none or it is closed). */
  async closeFor(containerId: string): Promise<void> {
    const door = this.byContainer.get(containerId);
    this.byContainer.delete(containerId);
    this.leaving.delete(containerId);
    await door?.close();
  }

  private checkUsable(options: RunnerOptions): Promise<boolean> {
    this.usable ??= (async () => {
      if (!engineIsLocal(this.docker)) {
        this.logger?.warn({}, "sandbox runner off: the Docker engine is remote (commands use the attach stream)");
        return false;
      }
      try {
        await access(options.binaryPath, constants.R_OK | constants.X_OK);
        return true;
      } catch {
        this.logger?.warn({ binaryPath: options.binaryPath }, "sandbox runner off: its binary is missing");
        return false;
      }
    })();
    return this.usable;
  }
}
