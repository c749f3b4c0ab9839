import { mkdir } from "node:fs/promises";
import { resolve } from "node:path";
import type { Config } from "@patchbay/config";
import type { PipelineSettings } from "./pipeline/settings.js";

/**
 * Derives the pipeline's settings from the configuration (and makes the work folder). The Codex
 * engine needs `engineLocal`: its install and model socket are bind-mounted from this host.
 */
export async function pipelineSettings(
  config: Config,
  workerId: string,
  engine: { engineLocal: boolean } = { engineLocal: true },
): Promise<PipelineSettings> {
  await mkdir(config.PATCHBAY_WORK_DIR, { recursive: true });
  return {
    workerId,
    workDir: config.PATCHBAY_WORK_DIR,
    hostPath: config.PATH,
    allowPrivateRepos: config.PATCHBAY_ALLOW_PRIVATE_REPOS,
    sandbox: {
      image: config.PATCHBAY_SANDBOX_IMAGE,
      cpus: config.PATCHBAY_SANDBOX_CPUS,
      memoryMb: config.PATCHBAY_SANDBOX_MEMORY_MB,
    },
    commandTimeoutMs: config.PATCHBAY_COMMAND_TIMEOUT_SEC * 1000,
    maxParallelAttempts: config.PATCHBAY_MAX_PARALLEL_ATTEMPTS,
    maxPatchBytes: config.PATCHBAY_MAX_PATCH_BYTES,
    repoLimits: { maxFiles: config.PATCHBAY_MAX_REPO_FILES, maxMb: config.PATCHBAY_MAX_REPO_MB },
    ...(config.PATCHBAY_GIT_CACHE
      ? {
          gitCache: {
            dir: resolve(config.PATCHBAY_GIT_CACHE_DIR ?? `${config.PATCHBAY_WORK_DIR}/git-cache`),
            maxMb: config.PATCHBAY_GIT_CACHE_MB,
            history: config.PATCHBAY_GIT_HISTORY,
          },
        }
      : {}),
    gitAuthor: { name: config.PATCHBAY_GIT_AUTHOR_NAME, email: config.PATCHBAY_GIT_AUTHOR_EMAIL },
    ...(engine.engineLocal
      ? {
          codex: {
            version: config.PATCHBAY_CODEX_VERSION,
            // Docker bind-mounts need an absolute host path.
            cacheDir: resolve(config.PATCHBAY_CODEX_DIR ?? `${config.PATCHBAY_STATE_DIR}/codex`),
            bridgePath: config.PATCHBAY_EGRESS_BRIDGE,
          },
        }
      : {}),
    model: {
      ...(config.OPENAI_BASE_URL ? { baseURL: config.OPENAI_BASE_URL } : {}),
      // The SDK refuses to start without a key; local OpenAI-compatible servers ignore it.
      apiKey: config.OPENAI_API_KEY ?? "no-key",
      maxRetries: config.PATCHBAY_MODEL_MAX_RETRIES,
      timeoutMs: config.PATCHBAY_MODEL_TIMEOUT_SEC * 1000,
      api: config.PATCHBAY_MODEL_API,
      prices: config.PATCHBAY_MODEL_PRICES,
    },
  };
}
