import { bridgeStartCommand } from "@patchbay/egress";
import type { Sandbox, SandboxHostFolders, SandboxMount } from "@patchbay/sandbox";
import { denyHint, doorMounts, type EgressDoor } from "./egress-door.js";
import { type Context, closeDoor, mark } from "./environment-context.js";
import type { LentCache, ProjectCaches } from "./project-caches.js";

/** The sandbox setup runs in, its door to the proxy and the project's dependency cache. */
export interface SetupBox {
  sandbox: Sandbox;
  door: EgressDoor | null;
  /** The command that starts the bridge to this sandbox's door. */
  bridgeStart: string;
  /** The dependency cache at CACHE_MOUNT (given back once setup's commands end); null: none. */
  cache: LentCache | null;
}

/** Whether this job's environment is kept (and its dependency cache mounted). */
export function cacheable(ctx: Context): boolean {
  const { deps, input } = ctx;
  return deps.cache !== undefined && input.job.spec.environment?.cache !== false && input.project.cacheTtlHours > 0;
}

/**
 * Makes the setup sandbox. A sandbox with host folders (the runner's) can be a warm one: its door
 * and dependency cache go into its folders once it runs. Without them the door and the cache are
 * mounts, so the sandbox is a cold start.
 */
export async function startSetupBox(ctx: Context, onRequest?: () => void): Promise<SetupBox> {
  const egress = ctx.deps.egress;
  // A sandbox's door goes into its folder only where every sandbox has the bridge and CA bundle.
  if (ctx.deps.sandboxes.lendsFolders && (!egress || egress.sharedInEvery)) {
    const sandbox = await ctx.deps.sandboxes.create({ checkoutDir: ctx.input.checkoutDir });
    mark(ctx, "setup_sandbox_started");
    const folders = sandbox.hostFolders;
    if (folders?.lend) return fitOut(ctx, sandbox, { ...folders, lend: folders.lend }, onRequest);
    // The runner did not start in it after all (its binary went missing): a cold one with mounts.
    await ctx.deps.sandboxes.remove(sandbox).catch(() => undefined);
  }
  return startMounted(ctx, onRequest);
}

/** Opens the door in the sandbox's runner folder and lends it the project's cache. */
async function fitOut(
  ctx: Context,
  sandbox: Sandbox,
  folders: SandboxHostFolders & { lend: NonNullable<SandboxHostFolders["lend"]> },
  onRequest?: () => void,
): Promise<SetupBox> {
  let door: EgressDoor | null = null;
  try {
    door = await openSetupDoor(ctx, folders.runner, onRequest);
    const caches = cacheable(ctx) ? ctx.deps.cache?.dependencies : undefined;
    const cache = caches
      ? await caches.lend(caches.dir(ctx.deps.installationId, ctx.input.job.projectId), folders.lend.hostDir)
      : null;
    mark(ctx, "setup_sandbox");
    return { sandbox, door, bridgeStart: bridgeStartCommand(folders.runnerInSandbox), cache };
  } catch (err) {
    await closeDoor(door);
    await ctx.deps.sandboxes.remove(sandbox).catch(() => undefined);
    throw err;
  }
}

/** A cold sandbox with the door and the project's cache mounted (no runner folders to put them in). */
async function startMounted(ctx: Context, onRequest?: () => void): Promise<SetupBox> {
  const { deps, input } = ctx;
  const door = await openSetupDoor(ctx, undefined, onRequest);
  let held: Awaited<ReturnType<ProjectCaches["mount"]>> = null;
  try {
    const mounts: SandboxMount[] = door && deps.egress ? doorMounts(door, deps.egress) : [];
    const caches = cacheable(ctx) ? deps.cache?.dependencies : undefined;
    held = caches ? await caches.mount(caches.dir(deps.installationId, input.job.projectId)) : null;
    if (held) mounts.push(held.mount);
    mark(ctx, "setup_mounts");
    const sandbox = await deps.sandboxes.create({ checkoutDir: input.checkoutDir, mounts });
    mark(ctx, "setup_sandbox");
    return { sandbox, door, bridgeStart: bridgeStartCommand(), cache: held?.lent ?? null };
  } catch (err) {
    await held?.lent.giveBack();
    await closeDoor(door);
    throw err;
  }
}

async function openSetupDoor(ctx: Context, folder?: string, onOpen?: () => void): Promise<EgressDoor | null> {
  const { deps, input } = ctx;
  if (!deps.egress) return null;
  return deps.egress.gate.openDoor({
    id: `${input.job.id}-setup`,
    allow: ctx.allow,
    denyHint: denyHint(input.job.projectId),
    onConnection: input.network.listener("setup"),
    ...(folder ? { folder } : {}),
    ...(onOpen ? { onOpen } : {}),
  });
}
