import type { Readable } from "node:stream";
import type { Workspace } from "@patchbay/core";
import type { SandboxListing } from "./labels.js";

/** Hardening and resource settings for one sandbox; every field has a safe default. */
export interface SandboxOptions {
  /** Image to run (default: the configured sandbox image). */
  image?: string;
  /** Job id, written to the `patchbay.job` label. */
  jobId: string;
  /** Worker id, written to the `patchbay.worker` label. */
  workerId?: string;
  /** CPU limit in cores. @defaultValue 1 */
  cpus?: number;
  /** Memory limit in MiB (swap is not allowed); the tmpfs disks below count against it. @defaultValue 4096 */
  memoryMb?: number;
  /** Max processes. @defaultValue 512 */
  pidsLimit?: number;
  /** Size of the tmpfs /workspace in MiB (what a job can write). @defaultValue half of memoryMb */
  workspaceMb?: number;
  /** Size of the tmpfs /tmp in MiB. @defaultValue an eighth of memoryMb */
  tmpMb?: number;
  /** Size of the tmpfs home folder (/home/sandbox: npm, pip and git caches) in MiB. @defaultValue an eighth of memoryMb */
  homeMb?: number;
  /** Network mode. @defaultValue "none" */
  network?: "none";
  /** Environment inside the container (nothing from the host leaks in). */
  env?: Record<string, string>;
  /**
   * Host folders or named volumes mounted into the container (the egress socket and bridge, a
   * project's dependency cache). A sandbox with mounts never comes from the warm pool.
   */
  mounts?: SandboxMount[];
}

/** A bind mount of a host path, or a named Docker volume, inside a sandbox. */
export interface SandboxMount {
  type: "bind" | "volume";
  /** Host path (bind) or volume name (volume). */
  source: string;
  target: string;
  readOnly: boolean;
}

/**
 * Host folders of one sandbox the worker may use while it runs (local engine with the runner only):
 * the runner's folder (read-only inside: a socket placed there is reachable by this sandbox alone)
 * and the lend folder (read-write inside once the worker makes it writable).
 */
export interface SandboxHostFolders {
  runner: string;
  runnerInSandbox: string;
  lend: { hostDir: string; inSandbox: string } | null;
}

/** A disposable, locked-down container holding one job's checkout. */
export interface Sandbox extends Workspace {
  readonly id: string;
  readonly jobId: string;
  /** Its host folders, when it has them (see SandboxHostFolders). */
  readonly hostFolders?: SandboxHostFolders;
  /** Extracts a tar stream into the workspace root (files owned by the sandbox user); `tar` is destroyed if it fails. */
  putTar(tar: Readable): Promise<void>;
  /** Streams the workspace (or a path in it) out as a tar. */
  getTar(path?: string): Promise<Readable>;
  /** Streams the stdout of `argv` (sandbox user, no shell) out of the container. */
  streamOut(argv: string[]): Promise<Readable>;
  /** Feeds `input` to the stdin of `argv` (sandbox user, no shell); throws on a non-zero exit, `input` then destroyed. */
  streamIn(argv: string[], input: Readable): Promise<void>;
  /** Removes the container; safe to call more than once. */
  destroy(): Promise<void>;
}

/** A started, prepared container no job has yet (DockerSandboxProvider.startIdle). */
export interface IdleSandbox {
  /** Whether a job asking for `request` can have it (image, memory, disks; the CPU limit is fitted). */
  fits(request: SandboxOptions): boolean;
  /** Hands it to a job (once). */
  claim(request: SandboxOptions): Promise<Sandbox>;
  /** Removes it, unless a job claimed it. */
  discard(): Promise<void>;
}

/** Creates sandboxes; one implementation per home (Docker today; Kubernetes or a remote engine beside it). */
export interface SandboxProvider {
  /** A sandbox for a job (a warm one when the provider keeps a pool that matches). */
  create(options: SandboxOptions): Promise<Sandbox>;
  /** Removes every container of this job id; returns how many were removed. */
  destroyForJob(jobId: string): Promise<number>;
  /** Removes one container by id; false when it was already gone. */
  remove(containerId: string): Promise<boolean>;
  /** Containers made by Patchbay: job id (or idle pool container), creation time, worker, pool. */
  list(): Promise<SandboxListing[]>;
  /** Starts no pooled container until the returned release (CPU-bound work on this host runs alone); one holder's holds count once. */
  holdRefills?(maxMs?: number, holder?: string): () => void;
  /** Whether its sandboxes come with host folders (Sandbox.hostFolders) with a lend folder. */
  readonly lendsFolders?: boolean;
  /** The id of this provider's own warm pool (its idle containers are not the reaper's). */
  readonly poolId: string;
  /** The installation whose containers it makes and lists (`patchbay.installation`); others' are never touched. */
  readonly installationId: string;
}
