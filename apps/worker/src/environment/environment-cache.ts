import type { EnvironmentRecord, EnvironmentRepository } from "@patchbay/db";
import type { DockerEnvironmentImages } from "@patchbay/sandbox";
import type { Logger } from "pino";
import type { EnvironmentFiles } from "./environment-files.js";
import type { HotEnvironments } from "./hot-environments.js";
import type { ProjectCaches } from "./project-caches.js";

/** Label on every environment image Patchbay builds. */
export const ENV_IMAGE_LABEL = "patchbay.environment";

/** The cache of built environments: rows in Postgres, images on the engine. */
export interface EnvironmentCacheDeps {
  environments: EnvironmentRepository;
  images: DockerEnvironmentImages;
  /** Total size the cached environments may take; the least recently used go first. */
  maxBytes: number;
  installationId: string;
  logger: Logger;
  /** Host copies of the environments built here (absent: hits always start from the image). */
  files?: EnvironmentFiles;
  /** Environments kept restored for their next hit (absent: every hit restores). */
  hot?: HotEnvironments;
  /** The projects' dependency caches (absent: setup runs without one). */
  dependencies?: ProjectCaches;
}

/** The image name of an environment. */
export function environmentImage(installationId: string, key: string): string {
  return `patchbay-env-${installationId}:${key}`.toLowerCase();
}

/** A live cached environment whose image is on this engine, or null. */
export async function findEnvironment(
  deps: EnvironmentCacheDeps,
  projectId: string,
  key: string,
): Promise<EnvironmentRecord | null> {
  const record = await deps.environments.findLive(projectId, key);
  if (!record) return null;
  // Another engine's worker may have built it: a row without its image here is a miss.
  return (await deps.images.imageId(record.image)) ? record : null;
}

/**
 * Which environments to drop, given all of them least recently used first: every expired one,
 * then, while the live ones still add up to more than `maxBytes`, the least recently used.
 */
export function chooseEvictions(all: EnvironmentRecord[], maxBytes: number, now: Date): EnvironmentRecord[] {
  const expired = all.filter((e) => e.expiresAt <= now);
  const live = all.filter((e) => e.expiresAt > now);
  let total = live.reduce((sum, e) => sum + e.sizeBytes, 0);
  const overCap: EnvironmentRecord[] = [];
  for (const env of live) {
    if (total <= maxBytes) break;
    overCap.push(env);
    total -= env.sizeBytes;
  }
  return [...expired, ...overCap];
}

/**
 * Drops expired environments and, past the size cap, the least recently used ones; then removes
 * images of this installation that no row names any more (deleted over the API). Best effort.
 */
export async function evictEnvironments(deps: EnvironmentCacheDeps, now = new Date()): Promise<number> {
  const evicted = chooseEvictions(await deps.environments.listAllByAge(), deps.maxBytes, now);
  for (const env of evicted) {
    await deps.environments.remove(env.projectId, env.key);
    await deps.images.remove(env.image).catch((err: unknown) => deps.logger.warn({ err }, "image remove failed"));
    await deps.files?.remove(env.image).catch(() => undefined);
  }
  await removeOrphanImages(deps, now);
  return evicted.length;
}

/** An image or copy is made before its row is written: younger ones are left to a later sweep. */
const ORPHAN_MIN_AGE_MS = 15 * 60_000;

async function removeOrphanImages(deps: EnvironmentCacheDeps, now: Date): Promise<void> {
  const kept = new Set((await deps.environments.listAllByAge()).map((e) => e.image));
  await deps.files?.removeExcept(kept, ORPHAN_MIN_AGE_MS, now.getTime()).catch(() => undefined);
  const images = await deps.images.listImages({ [ENV_IMAGE_LABEL]: deps.installationId });
  for (const image of images) {
    if (now.getTime() - image.createdAt.getTime() < ORPHAN_MIN_AGE_MS) continue;
    // Tag by tag: environments whose states came out the same share one image.
    for (const tag of image.tags) if (!kept.has(tag)) await deps.images.remove(tag).catch(() => false);
  }
}
