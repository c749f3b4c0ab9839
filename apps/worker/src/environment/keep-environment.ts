import { installationLabels } from "@patchbay/sandbox";
import {
  ENV_IMAGE_LABEL,
  type EnvironmentCacheDeps,
  environmentImage,
  evictEnvironments,
} from "./environment-cache.js";
import { normalizeRepoUrl } from "./environment-key.js";
import type { EnvironmentInput } from "./environment-phase.js";
import type { SnapshotFile } from "./snapshot.js";

/**
 * Keeps a saved environment as an image on the engine and records it; null when the image could
 * not be built or recorded (a warning: the job goes on without a cache).
 */
export async function keepEnvironment(
  cache: EnvironmentCacheDeps,
  request: { input: EnvironmentInput; key: string; snapshot: SnapshotFile; base: string },
): Promise<string | null> {
  const { input, key, snapshot, base } = request;
  const image = environmentImage(cache.installationId, key);
  const started = Date.now();
  try {
    await cache.images.build({
      base,
      tarFile: snapshot.path,
      tag: image,
      labels: {
        ...installationLabels(cache.installationId),
        [ENV_IMAGE_LABEL]: cache.installationId,
        "patchbay.project": input.job.projectId,
        "patchbay.key": key,
      },
    });
    const baseImage = (await cache.images.imageId(base)) ?? base;
    const ttlMs = input.project.cacheTtlHours * 3600_000;
    await cache.environments.save({
      projectId: input.job.projectId,
      key,
      image,
      baseImage,
      repoUrl: normalizeRepoUrl(input.job.spec.repo.url),
      sizeBytes: snapshot.sizeBytes,
      buildMs: Date.now() - started,
      expiresAt: new Date(Date.now() + ttlMs),
    });
    await cache.files?.keep(snapshot.path, image).catch((err: unknown) => {
      input.log.warn({ err, jobId: input.job.id }, "keeping a host copy of the environment failed");
    });
  } catch (err) {
    input.log.warn({ err, jobId: input.job.id }, "keeping the environment failed");
    input.emit({
      type: "log",
      data: {
        stream: "stderr",
        text: `patchbay: the environment was not kept: ${String(err)}\n`,
        phase: "setup",
        source: "patchbay",
      },
    });
    return null;
  }
  await evictEnvironments(cache).catch((err: unknown) => input.log.warn({ err }, "environment eviction failed"));
  return image;
}
