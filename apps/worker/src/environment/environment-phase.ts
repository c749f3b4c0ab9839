import { type ChecksPlan, planChecks } from "@patchbay/checks";
import type { EnvironmentOutcome, EventSink, ExecOptions, ProjectEnvironment } from "@patchbay/core";
import type { EnvironmentRecord, JobRecord } from "@patchbay/db";
import type { IdleSandbox, Sandbox, SandboxMount } from "@patchbay/sandbox";
import type { Logger } from "pino";
import type { JobSandboxes } from "../pipeline/job-sandboxes.js";
import { buildEnvironment } from "./build-environment.js";
import {
  denyHint,
  doorMounts,
  type EgressDoor,
  type EgressGate,
  type EgressPaths,
  type NetworkLedger,
} from "./egress-door.js";
import { type EnvironmentCacheDeps, findEnvironment } from "./environment-cache.js";
import { agentNet, type Context, closeDoor, mark } from "./environment-context.js";
import { environmentKey } from "./environment-key.js";
import { hotKey, idleRequest } from "./hot-environments.js";
import { type HostIndex, indexReader } from "./index-reader.js";
import { MadeOnCue } from "./made-on-cue.js";
import { cacheable, startSetupBox } from "./setup-box.js";
import { runMaintenance, startBridge } from "./setup-commands.js";
import type { HostRegistries } from "./setup-env.js";
import { restoreFromFile, restoreFromImage } from "./snapshot.js";

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
  /** The bridge and the CA bundle are in every sandbox already (the provider's shared mounts): a door brings only its socket. */
  sharedInEvery?: boolean;
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
  /** The checkout's git index on the host: the plan and the environment key are read from it. */
  hostIndex: HostIndex;
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
  /**
   * The agent phase began: work only later jobs need (keeping the environment as an image) starts
   * now, not while the job's own sandboxes are being readied. `dispose` starts it too.
   */
  agentStarted?(): void;
  /** Closes the agent's door (agentNetwork "allowlist") and deletes the host copy of the environment. */
  dispose(): Promise<void>;
}

/**
 * Gives the job its environment: a cached one restored (hit), or setup run in a sandbox of its
 * own with allowlisted egress and the project's dependency cache, whose result is kept (miss).
 * The agent always gets a sandbox no setup process ran in.
 */
export async function prepareEnvironment(deps: EnvironmentDeps, input: EnvironmentInput): Promise<JobEnvironment> {
  // Setup's install and a hit's restore run on this host's CPUs, and the agent waits for them: the
  // warm pool refills once the agent has its environment (a container start takes ~0.4 s of the engine's work here).
  return deps.sandboxes.withoutRefills(() => prepare(deps, input));
}

async function prepare(deps: EnvironmentDeps, input: EnvironmentInput): Promise<JobEnvironment> {
  const started = Date.now();
  const allow = allowlist(deps, input);
  const agentDoor = await openAgentDoor(deps, input, allow);
  const agentMounts = agentDoor && deps.egress ? doorMounts(agentDoor, deps.egress) : [];
  const ctx: Context = { deps, input, key: "", allow, started, agentDoor, agentMounts, steps: {} };
  const agentBox = () => deps.sandboxes.create({ checkoutDir: input.checkoutDir, ...agentNet(ctx, agentMounts) });
  try {
    // Host work only (the checkout's git index, the cache): no sandbox waits for it, and on a
    // miss setup's sandbox starts first, alone, the agent's after it (while setup runs).
    const index = input.hostIndex;
    const [plan, hit] = await Promise.all([planChecks(indexReader(index), input.job.spec), lookUp(ctx, index)]);
    mark(ctx, "plan");
    let env: JobEnvironment;
    if (plan.setup.commands.length + input.project.setup.length === 0) {
      env = await withoutSetup(ctx, await agentBox(), plan);
    } else if (hit) {
      env = await restoreHit(ctx, plan, hit);
    } else {
      const agent = new MadeOnCue(() => agentBox().finally(() => mark(ctx, "agent_sandbox_made")));
      const box = await startSetupBox(ctx, () => void agent.cue().catch(() => undefined));
      env = await buildEnvironment(ctx, plan, box, agent);
    }
    if (ctx.agentDoor && deps.egress) await startBridge(env.sandbox, deps.egress);
    return env;
  } catch (err) {
    await closeDoor(ctx.agentDoor);
    throw err;
  }
}

/** The key (set on ctx) and the cached environment it names, if any. */
async function lookUp(ctx: Context, index: HostIndex): Promise<EnvironmentRecord | null> {
  const { deps, input } = ctx;
  const imageId = (await deps.cache?.images.imageId(deps.sandboxes.spec.image)) ?? deps.sandboxes.spec.image;
  ctx.key = environmentKey(index.entries, {
    imageId,
    repoUrl: input.job.spec.repo.url,
    spec: input.job.spec,
    project: input.project,
    allow: ctx.allow,
  });
  const hit = cacheable(ctx) && deps.cache ? await findEnvironment(deps.cache, input.job.projectId, ctx.key) : null;
  mark(ctx, "lookup");
  return hit;
}

function allowlist(deps: EnvironmentDeps, input: EnvironmentInput): string[] {
  const hosts = [...input.project.allow, ...(input.job.spec.environment?.allow ?? [])];
  if (input.project.allowHostRegistries) hosts.push(...deps.hostRegistries.hosts);
  return [...new Set(hosts)];
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

/**
 * A cached environment. With this host's copy it is streamed into the warm planning sandbox;
 * otherwise a sandbox starts from its image. Then `.patchbay.yml` maintenance runs.
 */
async function restoreHit(ctx: Context, plan: ChecksPlan, hit: EnvironmentRecord): Promise<JobEnvironment> {
  const { deps, input } = ctx;
  const fromImage = async (mounts: SandboxMount[]) => {
    const sandbox = await deps.sandboxes.create({
      image: hit.image,
      checkoutDir: input.checkoutDir,
      ...agentNet(ctx, mounts),
    });
    await restoreFromImage(sandbox);
    return sandbox;
  };
  const copy = await deps.cache?.files?.existing(hit.image);
  mark(ctx, "hit_found");
  const kept = hotKey(input.job.projectId, ctx.key);
  const hot = ctx.agentMounts.length === 0 ? deps.cache?.hot?.take(kept, deps.sandboxes.spec) : undefined;
  const first = (hot ? await fromHot(ctx, hot) : null) ?? (copy ? await fromCopy(ctx, copy, ctx.agentMounts) : null);
  const sandbox = first ?? (await fromImage(ctx.agentMounts));
  mark(ctx, "restored");
  await runMaintenance(sandbox, plan.config?.maintenance ?? [], input.execOptions());
  await deps.cache?.environments.touch(input.job.projectId, ctx.key);
  const ms = Date.now() - ctx.started;
  const outcome: EnvironmentOutcome = { key: ctx.key, status: "hit", ms, sizeBytes: hit.sizeBytes };
  const data = { status: "hit" as const, key: ctx.key, ms, sizeBytes: hit.sizeBytes, steps: ctx.steps };
  input.emit({ type: "environment", data });
  // The baseline's sandbox too: from this host's copy into a warm one, rather than a cold start from the image.
  const fresh = async () => (copy ? await fromCopy(ctx, copy, []) : null) ?? fromImage([]);
  // Once the agent runs: the environment restored again, for the next hit with this key.
  const agentStarted = () => copy && deps.cache?.hot?.offer(kept, idleRequest(deps.sandboxes.spec), copy, true);
  return { sandbox, plan, outcome, fresh, agentStarted, dispose: () => closeDoor(ctx.agentDoor) };
}

/** A sandbox the environment was kept restored in: only the checkout goes in. Null when it cannot be claimed. */
async function fromHot(ctx: Context, idle: IdleSandbox): Promise<Sandbox | null> {
  const sandbox = await ctx.deps.sandboxes.claim(idle).catch((err: unknown) => {
    ctx.input.log.warn({ err, jobId: ctx.input.job.id }, "the sandbox the environment was kept in is gone: restoring");
    return null;
  });
  if (!sandbox) return null;
  mark(ctx, "hot_sandbox");
  await ctx.deps.sandboxes.fill(sandbox, ctx.input.checkoutDir);
  return sandbox;
}

/**
 * The agent's sandbox from this host's copy of the environment: the checkout and the environment
 * go in side by side (two of a warm sandbox's shells). Null when the restore failed.
 */
async function fromCopy(ctx: Context, copy: string, mounts: SandboxMount[]): Promise<Sandbox | null> {
  const { deps, input } = ctx;
  const sandbox = await deps.sandboxes.create(agentNet(ctx, mounts));
  const [filled, restored] = await Promise.allSettled([
    deps.sandboxes.fill(sandbox, input.checkoutDir),
    restoreFromFile(sandbox, copy),
  ]);
  if (filled.status === "fulfilled" && restored.status === "fulfilled") return sandbox;
  await deps.sandboxes.remove(sandbox).catch(() => undefined);
  if (filled.status === "rejected") throw filled.reason;
  input.log.warn(
    { err: restored.status === "rejected" ? restored.reason : undefined, jobId: input.job.id },
    "restoring this host's copy failed: starting from the image",
  );
  return null;
}

/** Nothing to install: the first sandbox is the agent's; the after-checks get a plain one. */
async function withoutSetup(ctx: Context, sandbox: Sandbox, plan: ChecksPlan): Promise<JobEnvironment> {
  const { deps, input } = ctx;
  const outcome: EnvironmentOutcome = { key: "", status: "none", ms: Date.now() - ctx.started };
  const fresh = () => deps.sandboxes.create({ checkoutDir: input.checkoutDir });
  return { sandbox, plan, outcome, fresh, dispose: () => closeDoor(ctx.agentDoor) };
}
