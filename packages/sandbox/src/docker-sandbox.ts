import { randomBytes } from "node:crypto";
import type { Readable } from "node:stream";
import type { ExecOptions, ExecResult } from "@patchbay/core";
import Dockerode from "dockerode";
import { type CommandSettings, runCommand } from "./command.js";
import { buildContainerConfig, resolveOptions, WORKSPACE_ROOT } from "./container-config.js";
import { engineCall, isNotFound, sandboxFailed } from "./errors.js";
import { deleteWorkspaceFile, readWorkspaceFile, writeWorkspaceFile } from "./file-ops.js";
import { containerName, labelFilter, listingFromLabels, type SandboxListing } from "./labels.js";
import { DEFAULT_OUTPUT_CAP_BYTES } from "./output-cap.js";
import type { Sandbox, SandboxOptions, SandboxProvider } from "./sandbox.js";
import { readState, type SandboxState } from "./state.js";
import { createTar, extractTar } from "./tar-io.js";

export { LABELS, type SandboxListing } from "./labels.js";
export type { SandboxState } from "./state.js";
export { tarDirectory } from "./tar-io.js";

/** The few logger methods the sandbox uses (pino's `(obj, msg)` shape). */
export interface SandboxLogger {
  debug(obj: Record<string, unknown>, msg: string): void;
  warn(obj: Record<string, unknown>, msg: string): void;
}

/** Settings for a DockerSandboxProvider. */
export interface DockerSandboxProviderOptions {
  /** Engine client (default: the local socket). */
  docker?: Dockerode;
  /** Default image for sandboxes that do not name one. */
  image: string;
  /** Defaults for every sandbox, under what each create() asks for. */
  defaults?: Partial<SandboxOptions>;
  logger?: SandboxLogger;
  /** Bytes of output kept per stream per command (head + tail). @defaultValue 1 MiB */
  outputCapBytes?: number;
  /** Bytes of output per stream per command passed to onOutput. @defaultValue 8 MiB */
  forwardCapBytes?: number;
  /** Time a signalled command gets before SIGKILL. @defaultValue 1000 */
  killGraceMs?: number;
}

/** A job's hardened container; every process in it runs as uid 1000. */
export class DockerSandbox implements Sandbox {
  readonly root = WORKSPACE_ROOT;
  private destroyed = false;

  constructor(
    private readonly container: Dockerode.Container,
    readonly jobId: string,
    private readonly settings: CommandSettings,
    private readonly logger?: SandboxLogger,
  ) {}

  /** The engine's container id. */
  get id(): string {
    return this.container.id;
  }

  /** Runs `bash -lc command` as the sandbox user. Never throws for a non-zero exit. */
  async exec(command: string, options: ExecOptions = {}): Promise<ExecResult> {
    this.assertLive();
    return runCommand(this.container, command, options, this.settings);
  }

  /** Reads a file relative to root; null when it does not exist. */
  async readFile(path: string): Promise<Buffer | null> {
    this.assertLive();
    return readWorkspaceFile(this.container, this.root, path);
  }

  /** Writes a file relative to root, creating parent folders. */
  async writeFile(path: string, content: Buffer | string): Promise<void> {
    this.assertLive();
    await writeWorkspaceFile(this.container, this.root, path, content);
  }

  /** Deletes a file relative to root (a missing file is fine). */
  async deleteFile(path: string): Promise<void> {
    this.assertLive();
    await deleteWorkspaceFile(this.container, this.root, path);
  }

  /** Extracts a tar stream into the workspace root, files owned by the sandbox user. */
  async putTar(tar: Readable): Promise<void> {
    this.assertLive();
    await extractTar(this.container, this.root, tar);
  }

  /** Streams the workspace, or a path in it, out as a tar. */
  async getTar(path?: string): Promise<Readable> {
    this.assertLive();
    return createTar(this.container, this.root, path);
  }

  /** Whether the container runs and whether the OOM killer struck (a memory hog's trace). */
  async state(): Promise<SandboxState> {
    return readState(this.container);
  }

  /** Force-removes the container; safe to call more than once. */
  async destroy(): Promise<void> {
    this.destroyed = true;
    // Concurrent callers (a cancel and the pipeline's cleanup) all wait for the one removal.
    this.removal ??= removeContainer(this.container, this.logger).then(() => undefined);
    await this.removal;
  }

  private removal: Promise<void> | undefined;

  private assertLive(): void {
    if (this.destroyed) throw sandboxFailed("use", new Error(`sandbox ${this.id} was destroyed`));
  }
}

/** Creates hardened sandboxes on a Docker Engine and cleans up after jobs. */
export class DockerSandboxProvider implements SandboxProvider {
  private readonly docker: Dockerode;

  constructor(private readonly options: DockerSandboxProviderOptions) {
    this.docker = options.docker ?? new Dockerode();
  }

  /** Creates and starts a sandbox; a container that fails to start is removed again. */
  async create(request: SandboxOptions): Promise<DockerSandbox> {
    const resolved = resolveOptions(this.options.image, this.options.defaults ?? {}, request);
    const started = performance.now();
    const name = containerName(resolved.jobId, randomBytes(4).toString("hex"));
    const config = buildContainerConfig(resolved, name, new Date());
    const container = await engineCall("create", () => this.docker.createContainer(config));
    try {
      await engineCall("start", () => container.start());
    } catch (err) {
      await removeContainer(container, this.options.logger).catch(() => undefined);
      throw err;
    }
    const ms = Math.round(performance.now() - started);
    this.options.logger?.debug({ jobId: resolved.jobId, containerId: container.id, ms }, "sandbox started");
    return new DockerSandbox(container, resolved.jobId, this.commandSettings(resolved.env), this.options.logger);
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

  /** Removes every container labelled with this job id; returns how many were removed. */
  async destroyForJob(jobId: string): Promise<number> {
    const found = await this.listRaw(jobId);
    const removed = await Promise.all(
      found.map((c) => removeContainer(this.docker.getContainer(c.id), this.options.logger)),
    );
    return removed.filter(Boolean).length;
  }

  /** Containers labelled by Patchbay, running or not. */
  async list(): Promise<SandboxListing[]> {
    return this.listRaw();
  }

  private async listRaw(jobId?: string): Promise<SandboxListing[]> {
    const containers = await engineCall("list", () =>
      this.docker.listContainers({ all: true, filters: labelFilter(jobId) }),
    );
    return containers.map((c) => listingFromLabels(c.Id, c.Labels, c.Created));
  }
}

/** Force-removes a container; true if this call removed it, false if it was already gone. */
async function removeContainer(container: Dockerode.Container, logger?: SandboxLogger): Promise<boolean> {
  try {
    await container.remove({ force: true, v: true });
    return true;
  } catch (err) {
    // 404: gone already. 409: another remove is in progress, which will finish the job.
    if (isNotFound(err) || isRemovalInProgress(err)) return false;
    logger?.warn({ containerId: container.id, err }, "sandbox remove failed");
    throw sandboxFailed("remove", err);
  }
}

function isRemovalInProgress(err: unknown): boolean {
  return err instanceof Error && /removal of container .* is already in progress/i.test(err.message);
}
