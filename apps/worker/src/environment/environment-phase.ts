import { randomBytes } from "node:crypto";
import { rm } from "node:fs/promises";
import path from "node:path";
import { type ChecksPlan, planChecks } from "@patchbay/checks";
import type { EnvironmentOutcome, EventSink, ExecOptions, ProjectEnvironment } from "@patchbay/core";
import type { JobRecord } from "@patchbay/db";
import { installationLabels, type Sandbox, type SandboxMount } from "@patchbay/sandbox";
import type { Logger } from "pino";
import type { JobSandboxes } from "../pipeline/job-sandboxes.js";
import {
  denyHint,
  doorMounts,
  type EgressDoor,
  type EgressGate,
  type EgressPaths,
  type NetworkLedger,
} from "./egress-door.js";
import { type EnvironmentCacheDeps, findEnvironment } from "./environment-cache.js";
import { environmentKey } from "./environment-key.js";
import { keepEnvironment } from "./keep-environment.js";
import { runMaintenance, runSetupCommands, startBridge } from "./setup-commands.js";
import { cacheMount, cacheVolumeName, type HostRegistries } from "./setup-env.js";
import { restoreFromFile, restoreFromImage, snapshotEnvironment } from "./snapshot.js";

/** The worker's egress proxy and where its pieces go in a sandbox. */
export interface EgressSetup {
  gate: EgressGate;
  paths: EgressPaths;
  /** The static bridge binary on the host. */
  bridgeHostPath: string;
  /** Shell command that starts the bridge in a sandbox and returns once it listens. */
  bridgeStart: string;
  /** Proxy settings for the tools in a sandbox (HTTP_PROXY and friends, and the CA bundle's). */
  env: Record<string, string>;
  /** The host's CA bundle (HostRegistries.caBundle, when readable), mounted beside the door. */
  caBundle?: string | null;
}

/** What the environment phase needs from the worker. */
export interface EnvironmentDeps {
  sandboxes: JobSandboxes;
  /** Absent: nothing is cached (every job runs its setup). */
  cache?: EnvironmentCacheDeps;
  /** Absent: setup runs without network. */
  egress?: EgressSetup;
  /** Without egress: why (named in a failing setup command's error). */
  offline?: string;
  hostRegistries: HostRegistries;
  installationId: string;
}

/** One job's request for an environment. */
export interface EnvironmentInput {
  job: JobRecord;
  checkoutDir: string;
  project: ProjectEnvironment;
  /** The project's secrets by name (only `project.setupSecrets` of them reach the admin's setup commands). */
  secrets: Readonly<Record<string, string>>;
  network: NetworkLedger;
  emit: EventSink;
  execOptions: () => ExecOptions;
  workDir: string;
  log: Logger;
}

/** The environment a job's agent starts in. */
export interface JobEnvironment {
  sandbox: Sandbox;
  plan: ChecksPlan;
  outcome: EnvironmentOutcome;
  /**
   * A new sandbox in the state the agent started from (checkout + environment, no process of
   * setup or of the agent), for the after-checks; null when that state could not be kept.
   */
  fresh: (() => Promise<Sandbox>) | null;
  /** Closes the agent's door (agentNetwork "allowlist") and deletes the host copy of the environment. */
  dispose(): Promise<void>;
}

/**
 * Gives the job its environment: a cached one restored (hit), or setup run in a sandbox of its
 * own with allowlisted egress and the project's dependency cache, whose result is kept (miss).
 * The agent always gets a fresh sandbox, so nothing setup started survives into its phase.
 */
export async function prepareEnvironment(deps: EnvironmentDeps, input: EnvironmentInput): Promise<JobEnvironment> {
  const started = Date.now();
  const { job } = input;
  const allow = allowlist(deps, input);
  const agentDoor = await openAgentDoor(deps, input, allow);
  const agentMounts = agentDoor && deps.egress ? doorMounts(agentDoor, deps.egress) : [];
  const context: Context = { deps, input, key: "", allow, started, agentDoor, agentMounts };
  try {
    // The plan first, in a plain (warm) sandbox: most repositories without dependencies need
    // nothing more, and keep that sandbox for the agent.
    const first = await deps.sandboxes.create({ checkoutDir: input.checkoutDir, ...agentNet(context, agentMounts) });
    const plan = await planChecks(first, job.spec);
    const env =
      plan.setup.commands.length + input.project.setup.length === 0
        ? withoutSetup(context, first, plan)
        : await withSetup(context, first, plan);
    if (context.agentDoor && deps.egress) await startBridge(env.sandbox, deps.egress);
    return env;
  } catch (err) {
    await agentDoor?.close();
    throw err;
  }
}

/** Setup is needed: the key decides between a cached environment and building one. */
async function withSetup(ctx: Context, first: Sandbox, plan: ChecksPlan): Promise<JobEnvironment> {
  const { deps, input } = ctx;
  // The planning sandbox is removed while the key is worked out: nothing below needs it gone first.
  const removing = deps.sandboxes.remove(first).catch((err: unknown) => {
    input.log.warn({ err, jobId: input.job.id }, "removing the planning sandbox failed");
  });
  const imageId = (await deps.cache?.images.imageId(deps.sandboxes.spec.image)) ?? deps.sandboxes.spec.image;
  const key = await environmentKey(input.checkoutDir, {
    imageId,
    repoUrl: input.job.spec.repo.url,
    spec: input.job.spec,
    project: input.project,
    allow: ctx.allow,
  });
  ctx.key = key;
  const cache = cacheable(deps, input) ? deps.cache : undefined;
  const hit = cache ? await findEnvironment(cache, input.job.projectId, key) : null;
  const env = hit ? await restoreHit(ctx, plan, hit.image, hit.sizeBytes) : await buildEnvironment(ctx, plan, cache);
  await removing;
  return env;
}

interface Context {
  deps: EnvironmentDeps;
  input: EnvironmentInput;
  /** Known once setup is needed. */
  key: string;
  allow: string[];
  started: number;
  agentDoor: EgressDoor | null;
  agentMounts: SandboxMount[];
}

function allowlist(deps: EnvironmentDeps, input: EnvironmentInput): string[] {
  const hosts = [...input.project.allow, ...(input.job.spec.environment?.allow ?? [])];
  if (input.project.allowHostRegistries) hosts.push(...deps.hostRegistries.hosts);
  return [...new Set(hosts)];
}

function cacheable(deps: EnvironmentDeps, input: EnvironmentInput): boolean {
  return deps.cache !== undefined && input.job.spec.environment?.cache !== false && input.project.cacheTtlHours > 0;
}

async function openAgentDoor(
  deps: EnvironmentDeps,
  input: EnvironmentInput,
  allow: string[],
): Promise<EgressDoor | null> {
  if (!deps.egress || input.project.agentNetwork !== "allowlist") return null;
  return deps.egress.gate.openDoor({
    id: `${input.job.id}-agent`,
    allow,
    methods: input.project.agentMethods,
    denyHint: denyHint(input.job.projectId),
    onConnection: input.network.listener("agent"),
  });
}

/** A cached environment: a sandbox from its image, the checkout, the saved state, then maintenance. */
async function restoreHit(ctx: Context, plan: ChecksPlan, image: string, sizeBytes: number): Promise<JobEnvironment> {
  const { deps, input } = ctx;
  const make = async (mounts: SandboxMount[]) => {
    const sandbox = await deps.sandboxes.create({ image, checkoutDir: input.checkoutDir, ...agentNet(ctx, mounts) });
    await restoreFromImage(sandbox);
    return sandbox;
  };
  const sandbox = await make(ctx.agentMounts);
  await runMaintenance(sandbox, plan.config?.maintenance ?? [], input.execOptions());
  await deps.cache?.environments.touch(input.job.projectId, ctx.key);
  const outcome: EnvironmentOutcome = { key: ctx.key, status: "hit", ms: Date.now() - ctx.started, sizeBytes };
  input.emit({ type: "environment", data: { status: "hit", key: ctx.key, ms: outcome.ms, sizeBytes } });
  return { sandbox, plan, outcome, fresh: () => make([]), dispose: () => closeDoor(ctx.agentDoor) };
}

/** Nothing to install: the planning sandbox is the agent's; the after-checks get a plain one. */
function withoutSetup(ctx: Context, sandbox: Sandbox, plan: ChecksPlan): JobEnvironment {
  const { deps, input } = ctx;
  const outcome: EnvironmentOutcome = { key: "", status: "none", ms: Date.now() - ctx.started };
  const fresh = () => deps.sandboxes.create({ checkoutDir: input.checkoutDir });
  return { sandbox, plan, outcome, fresh, dispose: () => closeDoor(ctx.agentDoor) };
}

/**
 * A miss: setup runs in a sandbox with the door to the proxy and the project's cache volume; its
 * result is saved, kept as an image when caching is on, and restored into the agent's sandbox.
 */
async function buildEnvironment(
  ctx: Context,
  plan: ChecksPlan,
  cache: EnvironmentCacheDeps | undefined,
): Promise<JobEnvironment> {
  const { deps, input } = ctx;
  const { job } = input;
  const door = await openSetupDoor(ctx);
  const mounts = door && deps.egress ? doorMounts(door, deps.egress) : [];
  if (cache) {
    const volume = cacheVolumeName(deps.installationId, job.projectId);
    const labels = { ...installationLabels(deps.installationId), "patchbay.project": job.projectId };
    await cache.images.ensureVolume(volume, labels, deps.sandboxes.spec.image);
    mounts.push(cacheMount(volume));
  }
  try {
    const setupBox = await deps.sandboxes.create({ checkoutDir: input.checkoutDir, mounts });
    await runSetupCommands(setupBox, plan.setup.commands, {
      ...input.execOptions(),
      setup: plan.setup,
      admin: { commands: input.project.setup, secrets: pick(input.secrets, input.project.setupSecrets) },
      ...(deps.egress && door ? { egress: deps.egress, network: input.network, projectId: job.projectId } : {}),
      registries: input.project.allowHostRegistries ? deps.hostRegistries : null,
      cache: cache !== undefined,
      ...(!deps.egress && deps.offline ? { offline: deps.offline } : {}),
    });
    await closeDoor(door);
    return await keepAndMove(ctx, setupBox, plan, cache);
  } finally {
    await closeDoor(door);
  }
}

async function openSetupDoor(ctx: Context): Promise<EgressDoor | null> {
  const { deps, input } = ctx;
  if (!deps.egress) return null;
  return deps.egress.gate.openDoor({
    id: `${input.job.id}-setup`,
    allow: ctx.allow,
    denyHint: denyHint(input.job.projectId),
    onConnection: input.network.listener("setup"),
  });
}

/** Saves what setup made, keeps it (image) when it may, and moves the job into a fresh sandbox with it. */
async function keepAndMove(
  ctx: Context,
  setupBox: Sandbox,
  plan: ChecksPlan,
  cache: EnvironmentCacheDeps | undefined,
): Promise<JobEnvironment> {
  const { deps, input } = ctx;
  const file = path.join(input.workDir, `env-${input.job.id}-${randomBytes(4).toString("hex")}.tar`);
  const secretValues = Object.values(pick(input.secrets, input.project.setupSecrets));
  const snapshot = await snapshotEnvironment(setupBox, file, secretValues).catch((err: unknown) => {
    warn(input, `the environment could not be saved, so the agent continues in the setup sandbox: ${String(err)}`);
    return null;
  });
  if (!snapshot) {
    // The setup sandbox has no agent door mounted: the agent goes on without network.
    await closeDoor(ctx.agentDoor);
    ctx.agentDoor = null;
    const outcome: EnvironmentOutcome = {
      key: ctx.key,
      status: "not_cached",
      ms: Date.now() - ctx.started,
      note: "snapshot failed",
    };
    return { sandbox: setupBox, plan, outcome, fresh: null, dispose: () => closeDoor(ctx.agentDoor) };
  }
  if (snapshot.leftOut.length > 0)
    warn(input, `left out of the environment (they hold a setup secret): ${snapshot.leftOut.join(", ")}`);
  const keeping = cache
    ? keepEnvironment(cache, { input, key: ctx.key, snapshot, base: deps.sandboxes.spec.image })
    : Promise.resolve(null);
  const fromFile = async (mounts: SandboxMount[]) => {
    const sandbox = await deps.sandboxes.create({ checkoutDir: input.checkoutDir, ...agentNet(ctx, mounts) });
    await restoreFromFile(sandbox, snapshot.path);
    return sandbox;
  };
  // Building the image takes seconds and the agent needs none of it: its sandbox (a warm one when
  // it can be) is filled from the host copy meanwhile, and the setup sandbox goes at the same time.
  const [sandbox, kept] = await Promise.all([fromFile(ctx.agentMounts), keeping, deps.sandboxes.remove(setupBox)]);
  const ms = Date.now() - ctx.started;
  const status = kept ? "built" : "not_cached";
  const note = cache ? (kept ? undefined : "the environment image could not be built") : "caching is off for this job";
  input.emit({
    type: "environment",
    data: { status, key: ctx.key, ms, sizeBytes: snapshot.sizeBytes, ...(note ? { message: note } : {}) },
  });
  const fromImage = async (image: string) => {
    const fresh = await deps.sandboxes.create({ image, checkoutDir: input.checkoutDir });
    await restoreFromImage(fresh);
    return fresh;
  };
  const outcome: EnvironmentOutcome = {
    key: ctx.key,
    status,
    ms,
    sizeBytes: snapshot.sizeBytes,
    ...(note ? { note } : {}),
  };
  const dispose = async () => {
    await closeDoor(ctx.agentDoor);
    await rm(snapshot.path, { force: true });
  };
  return { sandbox, plan, outcome, fresh: () => (kept ? fromImage(kept) : fromFile([])), dispose };
}

/** The agent's door (agentNetwork "allowlist"): its mounts, and proxy settings for every command. */
function agentNet(ctx: Context, mounts: SandboxMount[]): { mounts: SandboxMount[]; env?: Record<string, string> } {
  return mounts.length > 0 && ctx.deps.egress ? { mounts, env: ctx.deps.egress.env } : { mounts };
}

function pick(secrets: Readonly<Record<string, string>>, names: readonly string[]): Record<string, string> {
  return Object.fromEntries(names.filter((n) => secrets[n] !== undefined).map((n) => [n, secrets[n]!]));
}

function warn(input: EnvironmentInput, message: string): void {
  input.log.warn({ jobId: input.job.id }, message);
  input.emit({
    type: "log",
    data: { stream: "stderr", text: `patchbay: ${message}\n`, phase: "setup", source: "patchbay" },
  });
}

async function closeDoor(door: EgressDoor | null): Promise<void> {
  await door?.close().catch(() => undefined);
}
