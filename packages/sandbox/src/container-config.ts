import { PatchbayError } from "@patchbay/core";
import type Docker from "dockerode";
import { sandboxLabels } from "./labels.js";
import { toEnvList } from "./paths.js";
import type { SandboxOptions } from "./sandbox.js";

/** Where the checkout lives inside every sandbox. */
export const WORKSPACE_ROOT = "/workspace";
/** The image's unprivileged user; every process in the sandbox runs as it. */
export const SANDBOX_USER = "1000:1000";
const SANDBOX_HOME = "/home/sandbox";
const MIB = 1024 * 1024;

/**
 * The container's main process (under docker-init): it idles, and on SIGUSR1 (sent by the engine,
 * `docker kill --signal USR1`) kills the process group of every shell command with builtins only.
 * That is the way to stop a fork bomb that holds every pid: no exec can start in the container then.
 */
export const SUPERVISOR_SCRIPT = [
  'trap \'for f in /dev/shm/patchbay-shell-*; do read -r _ g < "$f" && kill -KILL -- "-$g"; done\' USR1',
  "sleep infinity &",
  "while :; do wait $!; kill -0 $! 2>/dev/null || { sleep infinity & }; done",
].join("\n");

/** SandboxOptions with every default filled in. */
export type ResolvedSandboxOptions = Required<Omit<SandboxOptions, "workerId" | "image">> & {
  image: string;
  workerId: string | undefined;
};

/** Memory limit of a sandbox when neither the request nor the provider names one. */
export const DEFAULT_MEMORY_MB = 4096;

/**
 * Merges a request over provider defaults over the documented defaults, and checks the numbers.
 * tmpfs pages count against the memory limit, so the disks default to shares of the memory
 * (workspace 1/2, /tmp 1/8, home 1/8): filled, they stop at "No space left on device" with a
 * quarter of the memory still free for processes, instead of the OOM killer taking the container.
 */
export function resolveOptions(
  image: string,
  defaults: Partial<SandboxOptions>,
  options: SandboxOptions,
): ResolvedSandboxOptions {
  const memoryMb = options.memoryMb ?? defaults.memoryMb ?? DEFAULT_MEMORY_MB;
  const resolved: ResolvedSandboxOptions = {
    image: options.image ?? defaults.image ?? image,
    jobId: options.jobId,
    workerId: options.workerId ?? defaults.workerId,
    cpus: options.cpus ?? defaults.cpus ?? 1,
    memoryMb,
    pidsLimit: options.pidsLimit ?? defaults.pidsLimit ?? 512,
    workspaceMb: options.workspaceMb ?? defaults.workspaceMb ?? memoryMb / 2,
    tmpMb: options.tmpMb ?? defaults.tmpMb ?? memoryMb / 8,
    homeMb: options.homeMb ?? defaults.homeMb ?? memoryMb / 8,
    network: "none",
    env: { ...defaults.env, ...options.env },
    mounts: options.mounts ?? [],
  };
  checkLimits(resolved);
  return resolved;
}

function checkLimits(o: ResolvedSandboxOptions): void {
  if (typeof o.jobId !== "string" || o.jobId.length === 0) {
    throw new PatchbayError("invalid_request", "A sandbox needs a jobId.");
  }
  const positive: Array<[string, number]> = [
    ["cpus", o.cpus],
    ["memoryMb", o.memoryMb],
    ["pidsLimit", o.pidsLimit],
    ["workspaceMb", o.workspaceMb],
    ["tmpMb", o.tmpMb],
    ["homeMb", o.homeMb],
  ];
  for (const [name, value] of positive) {
    if (!Number.isFinite(value) || value <= 0) {
      throw new PatchbayError("invalid_request", `Sandbox ${name} must be a positive number (got ${value}).`);
    }
  }
  // The engine refuses smaller memory limits; saying so here gives a clearer message.
  if (o.memoryMb < 6) throw new PatchbayError("invalid_request", "Sandbox memoryMb must be at least 6.");
}

/** The environment a sandbox starts with: only what was asked for, plus what a shell needs. */
export function sandboxEnv(env: Record<string, string>): string[] {
  return toEnvList({
    HOME: SANDBOX_HOME,
    PATH: "/usr/local/bin:/usr/bin:/bin",
    LANG: "C.UTF-8",
    ...env,
  });
}

function tmpfs(sizeMb: number, owned: boolean): string {
  // `exec` because Docker mounts tmpfs noexec by default and build scripts must run from here.
  const owner = owned ? ",uid=1000,gid=1000,mode=0755" : ",mode=1777";
  return `rw,exec,nosuid,nodev,size=${Math.ceil(sizeMb)}m${owner}`;
}

/** A CPU limit in cores as the engine takes it. */
export function nanoCpus(cpus: number): number {
  return Math.round(cpus * 1e9);
}

/** The Engine API body for a hardened sandbox container (a pool container, given `poolId`, has no job label). */
export function buildContainerConfig(
  o: ResolvedSandboxOptions,
  name: string,
  now: Date,
  poolId?: string,
): Docker.ContainerCreateOptions {
  const memoryBytes = Math.floor(o.memoryMb * MIB);
  return {
    name,
    Image: o.image,
    Cmd: ["bash", "--noprofile", "--norc", "-c", SUPERVISOR_SCRIPT],
    User: SANDBOX_USER,
    WorkingDir: WORKSPACE_ROOT,
    Hostname: "sandbox",
    Env: sandboxEnv(o.env),
    Labels: sandboxLabels(poolId === undefined ? { jobId: o.jobId } : { poolId }, o.workerId, now),
    // NetworkMode "none" alone: only loopback, and the engine writes /etc/hosts with localhost
    // (NetworkDisabled would drop /etc/hosts, and test runners that dial localhost fail).
    HostConfig: {
      Mounts: o.mounts.map((m) => ({
        Type: m.type,
        Source: m.source,
        Target: m.target,
        ReadOnly: m.readOnly,
      })),
      NetworkMode: "none",
      CapDrop: ["ALL"],
      SecurityOpt: ["no-new-privileges"],
      Privileged: false,
      ReadonlyRootfs: true,
      Tmpfs: {
        [WORKSPACE_ROOT]: tmpfs(o.workspaceMb, true),
        "/tmp": tmpfs(o.tmpMb, false),
        [SANDBOX_HOME]: tmpfs(o.homeMb, true),
      },
      // Equal memory and swap limits: no swap, so a hog is killed instead of thrashing the host.
      Memory: memoryBytes,
      MemorySwap: memoryBytes,
      NanoCpus: nanoCpus(o.cpus),
      PidsLimit: Math.floor(o.pidsLimit),
      // docker-init as PID 1 reaps the zombies that background jobs of agent commands leave.
      Init: true,
      AutoRemove: false,
      Binds: [],
      RestartPolicy: { Name: "no" },
      LogConfig: { Type: "none", Config: {} },
    },
  };
}
