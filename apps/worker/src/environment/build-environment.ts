import { randomBytes } from "node:crypto";
import { rm } from "node:fs/promises";
import path from "node:path";
import type { ChecksPlan } from "@patchbay/checks";
import type { EnvironmentOutcome } from "@patchbay/core";
import type { Sandbox, SandboxMount } from "@patchbay/sandbox";
import type { EnvironmentCacheDeps } from "./environment-cache.js";
import { agentNet, type Context, closeDoor, mark, pick, warn } from "./environment-context.js";
import type { JobEnvironment } from "./environment-phase.js";
import { hotKey, idleRequest } from "./hot-environments.js";
import { keepEnvironment } from "./keep-environment.js";
import type { MadeOnCue } from "./made-on-cue.js";
import { cacheable, type SetupBox } from "./setup-box.js";
import { runSetupCommands } from "./setup-commands.js";
import { restoreFromFile, type SnapshotFile, snapshotInto } from "./snapshot.js";

/** At the latest this long into setup's commands the agent's sandbox is made (MadeOnCue). */
const AGENT_BOX_DELAY_MS = 1000;

/**
 * A miss: setup runs in its sandbox; what it made is streamed into the agent's sandbox (a clean
 * one, made while setup runs: on setup's first request out, a second into its commands or at their
 * end, whichever comes first) and onto the host, and kept as an image when caching is on.
 */
export async function buildEnvironment(
  ctx: Context,
  plan: ChecksPlan,
  box: SetupBox,
  agentBox: MadeOnCue<Sandbox>,
): Promise<JobEnvironment> {
  const { deps, input } = ctx;
  let built = false;
  try {
    agentBox.arm(AGENT_BOX_DELAY_MS);
    await runSetupCommands(box.sandbox, plan.setup.commands, {
      ...input.execOptions(),
      setup: plan.setup,
      admin: { commands: input.project.setup, secrets: pick(input.secrets, input.project.setupSecrets) },
      ...(deps.egress && box.door
        ? {
            egress: { ...deps.egress, bridgeStart: box.bridgeStart },
            network: input.network,
            projectId: input.job.projectId,
          }
        : {}),
      registries: input.project.allowHostRegistries ? deps.hostRegistries : null,
      cache: box.cache !== null,
      ...(!deps.egress && deps.offline ? { offline: deps.offline } : {}),
      onStep: (step) => mark(ctx, step),
    });
    mark(ctx, "setup_commands");
    await closeDoor(box.door);
    await box.cache?.giveBack();
    const boxes = { setupBox: box.sandbox, agentBox: await agentBox.cue() };
    const env = await keepAndMove(ctx, boxes, plan, cacheable(ctx) ? deps.cache : undefined);
    built = true;
    return env;
  } finally {
    await closeDoor(box.door);
    await box.cache?.giveBack();
    // Started or being made when setup failed: waited for, so no container outlives the job.
    if (!built) {
      await agentBox
        .settle()
        .then((sandbox) => sandbox && deps.sandboxes.remove(sandbox))
        .catch(() => undefined);
    }
  }
}

/**
 * Saves what setup produced and streams it into the agent's sandbox in the same pass; the setup
 * sandbox is removed beside the agent's start. The image is built in the background (the agent
 * needs none of it); `dispose` waits for it.
 */
async function keepAndMove(
  ctx: Context,
  boxes: { setupBox: Sandbox; agentBox: Sandbox },
  plan: ChecksPlan,
  cache: EnvironmentCacheDeps | undefined,
): Promise<JobEnvironment> {
  const { deps, input } = ctx;
  const { setupBox, agentBox } = boxes;
  const file = path.join(input.workDir, `env-${input.job.id}-${randomBytes(4).toString("hex")}.tar`);
  const secretValues = Object.values(pick(input.secrets, input.project.setupSecrets));
  const snapshot = await snapshotInto(setupBox, file, secretValues, agentBox).catch((err: unknown) => {
    warn(input, `the environment could not be saved, so the agent continues in the setup sandbox: ${String(err)}`);
    return null;
  });
  mark(ctx, "snapshot");
  if (!snapshot) {
    await deps.sandboxes.remove(agentBox).catch(() => undefined);
    return inSetupBox(ctx, setupBox, plan);
  }
  if (snapshot.leftOut.length > 0)
    warn(input, `left out of the environment (they hold a setup secret): ${snapshot.leftOut.join(", ")}`);
  const fromFile = async (mounts: SandboxMount[]) => {
    const sandbox = await deps.sandboxes.create({ checkoutDir: input.checkoutDir, ...agentNet(ctx, mounts) });
    await restoreFromFile(sandbox, snapshot.path);
    return sandbox;
  };
  // Off the agent's path: the engine takes 100-200 ms to remove a container.
  deps.sandboxes.discard(setupBox);
  const sandbox = await movedOrFromFile(ctx, agentBox, snapshot.restored, () => fromFile(ctx.agentMounts));
  mark(ctx, "agent_sandbox_filled");
  const outcome: EnvironmentOutcome = {
    key: ctx.key,
    status: "not_cached",
    ms: Date.now() - ctx.started,
    sizeBytes: snapshot.sizeBytes,
  };
  input.emit({
    type: "environment",
    data: { status: "miss", key: ctx.key, ms: outcome.ms, sizeBytes: snapshot.sizeBytes, steps: ctx.steps },
  });
  // The image build is heavy (about 3 s of the engine's CPU here): on a 2-core host it would slow
  // what the agent waits for (the workspace snapshot, the agent's first commands).
  let agentStarted = () => {};
  const begun = new Promise<void>((resolve) => {
    agentStarted = resolve;
  });
  const keeping = begun.then(() => keepInBackground(ctx, cache, snapshot, outcome));
  const dispose = async () => {
    agentStarted();
    await closeDoor(ctx.agentDoor);
    await keeping;
    await rm(snapshot.path, { force: true });
  };
  // The after-checks start from the host copy too: a warm sandbox beats a cold one from the image.
  return { sandbox, plan, outcome, fresh: () => fromFile([]), agentStarted, dispose };
}

/** The agent's sandbox once the streamed restore ended; when it failed, a new one from the host file. */
async function movedOrFromFile(
  ctx: Context,
  agentBox: Sandbox,
  restored: Promise<unknown>,
  fromFile: () => Promise<Sandbox>,
): Promise<Sandbox> {
  const failed = await restored;
  if (failed === undefined) return agentBox;
  ctx.input.log.warn(
    { err: failed, jobId: ctx.input.job.id },
    "streaming the environment failed: restoring the host copy",
  );
  await ctx.deps.sandboxes.remove(agentBox).catch(() => undefined);
  return fromFile();
}

/** Builds and records the image; sets the outcome's status and says so in an `environment` event. */
async function keepInBackground(
  ctx: Context,
  cache: EnvironmentCacheDeps | undefined,
  snapshot: SnapshotFile,
  outcome: EnvironmentOutcome,
): Promise<void> {
  const { input, deps } = ctx;
  if (!cache) {
    outcome.note = "caching is off for this job";
    return;
  }
  const started = Date.now();
  const kept = await keepEnvironment(cache, { input, key: ctx.key, snapshot, base: deps.sandboxes.spec.image });
  const copy = kept ? await cache.files?.existing(kept) : null;
  // Restored again for the next hit with this key (HotEnvironments).
  if (copy) cache.hot?.offer(hotKey(input.job.projectId, ctx.key), idleRequest(deps.sandboxes.spec), copy, false);
  if (kept) outcome.status = "built";
  else outcome.note = "the environment image could not be built";
  input.emit({
    type: "environment",
    data: {
      status: kept ? "built" : "not_cached",
      key: ctx.key,
      ms: Date.now() - started,
      sizeBytes: snapshot.sizeBytes,
      ...(outcome.note ? { message: outcome.note } : {}),
    },
  });
}

/** The snapshot failed: the agent goes on in the setup sandbox (it has no agent door: no network). */
async function inSetupBox(ctx: Context, setupBox: Sandbox, plan: ChecksPlan): Promise<JobEnvironment> {
  await closeDoor(ctx.agentDoor);
  ctx.agentDoor = null;
  const outcome: EnvironmentOutcome = {
    key: ctx.key,
    status: "not_cached",
    ms: Date.now() - ctx.started,
    note: "snapshot failed",
  };
  return { sandbox: setupBox, plan, outcome, fresh: null, dispose: async () => undefined };
}
