import type { EnvironmentRecord, EnvironmentRepository } from "@patchbay/db";
import type { DockerEnvironmentImages } from "@patchbay/sandbox";
import type { Logger } from "pino";
import type { EnvironmentFiles } from "./environment-files.js";

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
 * Drops expired environments and, past the size cap, the least recently used ones; then removes
 * images of this installation that no row names any more (deleted over the API). Best effort.
 */
export async function evictEnvironments(deps: EnvironmentCacheDeps, now = new Date()): Promise<number> {
  const all = await deps.environments.listAllByAge();
  let total = all.reduce((sum, e) => sum + e.sizeBytes, 0);
  let evicted = 0;
  for (const env of all) {
    const expired = env.expiresAt <= now;
    if (!expired && total <= deps.maxBytes) continue;
    await deps.environments.remove(env.projectId, env.key);
    await deps.images.remove(env.image).catch((err: unknown) => deps.logger.warn({ err }, "image remove failed"));
    await deps.files?.remove(env.image).catch(() => undefined);
    total -= env.sizeBytes;
    evicted++;
  }
  await removeOrphanImages(deps);
  return evicted;
}

/** An image or copy is made before its row is written: younger ones are left to a later sweep. */
const ORPHAN_MIN_AGE_MS = 15 * 60_000;

async function removeOrphanImages(deps: EnvironmentCacheDeps): Promise<void> {
  const kept = new Set((await deps.environments.listAllByAge()).map((e) => e.image));
  await deps.files?.removeExcept(kept, ORPHAN_MIN_AGE_MS).catch(() => undefined);
  const images = await deps.images.listImages({ [ENV_IMAGE_LABEL]: deps.installationId });
  for (const image of images) {
    if (image.tags.some((t) => kept.has(t)) || Date.now() - image.createdAt.getTime() < ORPHAN_MIN_AGE_MS) continue;
    for (const tag of image.tags) await deps.images.remove(tag).catch(() => false);
  }
}
