import { access, constants, mkdir } from "node:fs/promises";
import path from "node:path";
import type { Config } from "@patchbay/config";
import { type Db, EnvironmentRepository } from "@patchbay/db";
import { bridgeStartCommand, EgressProxy, egressEnv, type HostRegistries, SANDBOX_EGRESS } from "@patchbay/egress";
import { DockerEnvironmentImages, type SandboxMount } from "@patchbay/sandbox";
import type { Logger } from "pino";
import type { EnvironmentServices } from "../pipeline/job-run.js";
import { SOCKET_FOLDERS } from "../work-dir-sweep.js";
import { evictEnvironments } from "./environment-cache.js";
import { EnvironmentFiles } from "./environment-files.js";
import { caEnv, readableCaBundle, SANDBOX_CA_PATH } from "./host-ca.js";
import { HotEnvironments, type IdleSandboxMaker } from "./hot-environments.js";
import { ProjectCaches } from "./project-caches.js";

/** How long an environment stays restored for its next hit (well under the reapers' hour for idle containers). */
const HOT_TTL_MS = 10 * 60_000;

/** The worker's environment machinery, and how to stop it. */
export interface EnvironmentRuntime {
  services: EnvironmentServices;
  /** Drops expired and over-cap environments, and dependency caches over their cap (hourly). */
  sweep(): Promise<number>;
  close(): Promise<void>;
}

/**
 * Reads the host's registries, starts the egress proxy (when the bridge binary is there) and
 * opens the environment cache. Without a bridge, setup runs offline and a warning says why.
 */
export async function startEnvironmentServices(
  config: Config,
  context: {
    db: Db;
    installationId: string;
    logger: Logger;
    engineLocal: boolean;
    hostRegistries: HostRegistries;
    /** The provider mounts sandboxEgressMounts' files in every sandbox. */
    sharedInEvery: boolean;
    /** Makes the idle sandboxes environments are kept restored in (none: every hit restores). */
    idle?: IdleSandboxMaker;
  },
): Promise<EnvironmentRuntime> {
  const { logger, hostRegistries } = context;
  logger.info({ registries: hostRegistries.hosts }, "setup may reach the host's package registries by default");
  const environments = new EnvironmentRepository(context.db);
  const cache = {
    environments,
    images: new DockerEnvironmentImages(),
    maxBytes: config.PATCHBAY_ENV_CACHE_MAX_GB * 1024 ** 3,
    installationId: context.installationId,
    logger,
    files: new EnvironmentFiles(path.join(config.PATCHBAY_WORK_DIR, "environments")),
    // Beside the sandboxes' runner folders (same filesystem): a cache is lent into one by renames.
    dependencies: new ProjectCaches(path.join(config.PATCHBAY_WORK_DIR, "caches"), logger, {
      maxBytes: config.PATCHBAY_DEPENDENCY_CACHE_MAX_GB * 1024 ** 3,
      sweepAfterUseEveryMs: 10 * 60_000,
    }),
    ...(context.idle
      ? { hot: new HotEnvironments(context.idle, { max: config.PATCHBAY_HOT_ENVIRONMENTS, ttlMs: HOT_TTL_MS }, logger) }
      : {}),
  };
  const { proxy, offline } = await startProxy(config, logger, context.engineLocal);
  const caBundle = proxy ? await readableCaBundle(hostRegistries.caBundle) : null;
  // `offline` reaches prepareEnvironment through JobRun's spread of these services.
  const services: EnvironmentServices & { offline?: string } = {
    settings: environments,
    cache,
    hostRegistries,
    installationId: context.installationId,
    ...(offline ? { offline } : {}),
    ...(proxy
      ? {
          egress: {
            gate: proxy,
            paths: SANDBOX_EGRESS,
            bridgeHostPath: config.PATCHBAY_EGRESS_BRIDGE,
            bridgeStart: bridgeStartCommand(),
            env: { ...egressEnv(), ...(caBundle ? caEnv() : {}) },
            caBundle,
            sharedInEvery: context.sharedInEvery,
          },
        }
      : {}),
  };
  const close = async () => {
    await cache.hot?.close();
    await proxy?.close();
  };
  const sweep = async () => {
    await cache.dependencies.sweep();
    return evictEnvironments(cache);
  };
  return { services, sweep, close };
}

/**
 * The egress bridge and the host's CA bundle, for the sandbox provider to mount read-only in every
 * sandbox (so that a warm one can do setup); none when egress is off or the bridge is missing.
 */
export async function sandboxEgressMounts(config: Config, registries: HostRegistries): Promise<SandboxMount[]> {
  if (!config.PATCHBAY_EGRESS) return [];
  try {
    await access(config.PATCHBAY_EGRESS_BRIDGE, constants.X_OK);
  } catch {
    return [];
  }
  const mounts: SandboxMount[] = [
    { type: "bind", source: config.PATCHBAY_EGRESS_BRIDGE, target: SANDBOX_EGRESS.bridgePath, readOnly: true },
  ];
  const ca = await readableCaBundle(registries.caBundle);
  if (ca) mounts.push({ type: "bind", source: ca, target: SANDBOX_CA_PATH, readOnly: true });
  return mounts;
}

/** The proxy, or why there is none (for the errors of setup commands that then fail). */
async function startProxy(
  config: Config,
  logger: Logger,
  engineLocal: boolean,
): Promise<{ proxy: EgressProxy | null; offline?: string }> {
  if (!config.PATCHBAY_EGRESS)
    return { proxy: null, offline: "the worker's egress proxy is off (PATCHBAY_EGRESS=false)" };
  if (!engineLocal) {
    // A sandbox reaches the proxy through a unix socket bind-mounted from this host: a remote
    // engine would look for that path on its own host and fail the container's creation.
    logger.warn({}, "the Docker engine is remote (DOCKER_HOST): setup runs without network");
    return {
      proxy: null,
      offline:
        "the worker's Docker engine is remote (DOCKER_HOST), and sandboxes reach the egress proxy " +
        "through a socket on the worker's own host; run a worker on the engine's host for setup with network",
    };
  }
  try {
    await access(config.PATCHBAY_EGRESS_BRIDGE, constants.X_OK);
  } catch {
    logger.warn(
      { bridge: config.PATCHBAY_EGRESS_BRIDGE },
      "no egress bridge binary (run scripts/build-egress-bridge.sh): setup runs without network",
    );
    const offline =
      `the worker has no egress bridge at ${config.PATCHBAY_EGRESS_BRIDGE} (PATCHBAY_EGRESS_BRIDGE; ` +
      "scripts/build-egress-bridge.sh builds it), so it runs no egress proxy";
    return { proxy: null, offline };
  }
  // Unix socket paths are short (107 bytes): the doors live in a short folder under the work dir.
  const socketRoot = path.join(config.PATCHBAY_WORK_DIR, SOCKET_FOLDERS.egress);
  await mkdir(socketRoot, { recursive: true });
  const proxy = new EgressProxy({
    socketRoot,
    ...(config.PATCHBAY_EGRESS_HOST_MAP ? { hostMap: config.PATCHBAY_EGRESS_HOST_MAP } : {}),
    allowPrivateAddresses: config.PATCHBAY_EGRESS_ALLOW_PRIVATE,
    logger,
  });
  return { proxy };
}
