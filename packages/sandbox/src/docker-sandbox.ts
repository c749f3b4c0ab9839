import type { Readable } from "node:stream";
import type { ExecOptions, ExecResult, ReadFileOptions } from "@patchbay/core";
import type Dockerode from "dockerode";
import { type CommandSettings, runCommand } from "./command.js";
import { WORKSPACE_ROOT } from "./container-config.js";
import { isNotFound, sandboxFailed } from "./errors.js";
import type { FileServerLink } from "./file-server.js";
import { feedTo, outputOf, startBehindRunner } from "./runner-stream.js";
import type { Sandbox, SandboxHostFolders } from "./sandbox.js";
import { deleteSandboxFile, type FileRoutes, readSandboxFile, writeSandboxFile } from "./shell-file-ops.js";
import type { ShellPool, ShellTransportKind } from "./shell-pool.js";
import { readState, type SandboxState } from "./state.js";
import { createTar, extractTar, feedCommand, streamCommand } from "./tar-io.js";

/** putTar's command: extracted as the sandbox user, who owns what it writes. */
const EXTRACT_ARGV = ["tar", "-x", "-f", "-", "-C", WORKSPACE_ROOT, "--no-same-owner"];

/** The few logger methods the sandbox uses (pino's `(obj, msg)` shape). */
export interface SandboxLogger {
  debug(obj: Record<string, unknown>, msg: string): void;
  warn(obj: Record<string, unknown>, msg: string): void;
}

/** A job's hardened container; every process in it runs as uid 1000. */
export class DockerSandbox implements Sandbox {
  readonly root = WORKSPACE_ROOT;
  private destroyed = false;
  private removal: Promise<void> | undefined;
  private readonly fileRoutes: FileRoutes;

  constructor(
    private readonly container: Dockerode.Container,
    readonly jobId: string,
    private readonly settings: CommandSettings,
    private readonly shells: ShellPool,
    private readonly files: FileServerLink,
    private readonly logger?: SandboxLogger,
    /** True when the container came from the warm pool. */
    readonly pooled = false,
    /** Told once the container is gone (the provider stops tracking it). */
    private readonly onRemoved?: () => void,
    readonly hostFolders?: SandboxHostFolders,
  ) {
    this.fileRoutes = { container, shells, files };
  }

  /** The engine's container id. */
  get id(): string {
    return this.container.id;
  }

  /** How new persistent shells reach this sandbox: the runner's socket, or the engine's attach stream. */
  get commandTransport(): ShellTransportKind {
    return this.shells.transport;
  }

  /**
   * Runs `command` as the sandbox user through the sandbox's persistent shell (a fresh exec
   * when it died). Never throws for a non-zero exit; `reason` names a limit that was hit.
   */
  async exec(command: string, options: ExecOptions = {}): Promise<ExecResult> {
    this.assertLive();
    return runCommand(this.container, this.shells, command, options, this.settings);
  }

  /**
   * Reads a regular file relative to root (at most `maxBytes` of it); null when it does not exist.
   * File operations go through the sandbox's file server once it runs, else the persistent shell
   * (an engine exec when neither can answer).
   */
  async readFile(path: string, options?: ReadFileOptions): Promise<Buffer | null> {
    this.assertLive();
    return readSandboxFile(this.fileRoutes, this.root, path, options);
  }

  /** Writes a file relative to root, creating parent folders. */
  async writeFile(path: string, content: Buffer | string): Promise<void> {
    this.assertLive();
    await writeSandboxFile(this.fileRoutes, this.root, path, content);
  }

  /** Deletes a file relative to root (a missing file is fine). */
  async deleteFile(path: string): Promise<void> {
    this.assertLive();
    await deleteSandboxFile(this.fileRoutes, this.root, path);
  }

  /** Extracts a tar stream into the workspace root, files owned by the sandbox user; symlinks stay symlinks. */
  async putTar(tar: Readable): Promise<void> {
    await consuming(tar, async () => {
      this.assertLive();
      const proc = await startBehindRunner(this.shells, this.root, EXTRACT_ARGV);
      if (proc) await feedTo(proc, tar, "putTar");
      else await extractTar(this.container, this.root, tar);
    });
    // The checkout is in: start the shell now so the first command does not wait for it.
    this.shells.warm();
  }

  /** Streams the workspace, or a path in it, out as a tar (symlinks stored as symlinks, never followed). */
  async getTar(path?: string): Promise<Readable> {
    this.assertLive();
    return createTar(this.container, this.root, path);
  }

  /** Streams the stdout of `argv` (run as the sandbox user, no shell) out of the container. */
  async streamOut(argv: string[]): Promise<Readable> {
    this.assertLive();
    const proc = await startBehindRunner(this.shells, this.root, argv);
    return proc ? outputOf(proc, argv[0] ?? "command") : streamCommand(this.container, argv, argv[0] ?? "command");
  }

  /** Feeds `input` to the stdin of `argv` (run as the sandbox user, no shell); throws on a non-zero exit. */
  async streamIn(argv: string[], input: Readable): Promise<void> {
    await consuming(input, async () => {
      this.assertLive();
      const proc = await startBehindRunner(this.shells, this.root, argv);
      if (proc) await feedTo(proc, input, argv[0] ?? "command");
      else await feedCommand(this.container, argv, input);
    });
  }

  /** Whether the container runs and whether the OOM killer struck (a memory hog's trace). */
  async state(): Promise<SandboxState> {
    return readState(this.container);
  }

  /** Force-removes the container; safe to call more than once. */
  async destroy(): Promise<void> {
    this.destroyed = true;
    this.files.close();
    this.shells.closeAll();
    // Concurrent callers (a cancel and the pipeline's cleanup) all wait for the one removal.
    this.removal ??= removeContainer(this.container, this.logger).then(() => this.onRemoved?.());
    await this.removal;
  }

  private assertLive(): void {
    if (this.destroyed) throw sandboxFailed("use", new Error(`sandbox ${this.id} was destroyed`));
  }
}

/**
 * Runs `feed`, which reads `input`; when it fails, `input` is destroyed: its producer (a host
 * process behind a pipe) stops instead of waiting on a reader that is gone.
 */
async function consuming(input: Readable, feed: () => Promise<void>): Promise<void> {
  // A source failing before `feed` listens (while a runner starts) must not be uncaught: feed sees
  // `input.errored`. Kept on: the error event of a source destroyed earlier can come after `feed`.
  input.on("error", () => undefined);
  try {
    await feed();
  } catch (err) {
    input.destroy();
    throw err;
  }
}

/**
 * Waits before each retry of a failed removal. A busy engine sometimes fails a force-remove
 * ("did not receive an exit event", a busy mount) that works a moment later; giving up at once
 * would leave the container running after its job.
 */
const REMOVE_RETRY_MS = [250, 1000, 3000];

/** Force-removes a container (retrying transient engine failures); true if this call removed it, false if it was already gone. */
export async function removeContainer(container: Dockerode.Container, logger?: SandboxLogger): Promise<boolean> {
  for (let attempt = 0; ; attempt++) {
    try {
      await container.remove({ force: true, v: true });
      return true;
    } catch (err) {
      // 404: gone already. 409: another remove is in progress, which will finish the job.
      if (isNotFound(err) || isRemovalInProgress(err)) return false;
      const wait = REMOVE_RETRY_MS[attempt];
      logger?.warn({ containerId: container.id, err, retryInMs: wait ?? null }, "sandbox remove failed");
      if (wait === undefined) throw sandboxFailed("remove", err);
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }
}

function isRemovalInProgress(err: unknown): boolean {
  return err instanceof Error && /removal of container .* is already in progress/i.test(err.message);
}
