import { PatchbayError } from "@patchbay/core";
import type { JobRecord, SourceRepository } from "@patchbay/db";
import { reviewCheckout } from "../review/review-target.js";
import { cloneRepository, type HostCheckout } from "./clone.js";
import { checkRepoTarget, repoTargetEnv } from "./repo-target.js";
import type { JobSecrets } from "./secrets.js";
import type { PipelineSettings } from "./settings.js";

const CLONE_TIMEOUT_MS = 5 * 60_000;

/**
 * Clones a job's repository on the host: from its URL with the project's git credentials (removed
 * again at once), or from the uploaded bundle its spec names. A URL whose host is (or resolves
 * to) a loopback or private address is refused first, unless the operator allows it. Errors never
 * show a secret.
 */
export async function checkoutForJob(
  job: JobRecord,
  context: { settings: PipelineSettings; secrets: JobSecrets; sources?: SourceRepository; signal: AbortSignal },
): Promise<HostCheckout> {
  const { settings, secrets, signal } = context;
  const target = job.spec.repo.source
    ? { gitConfig: [] }
    : await checkRepoTarget(job.spec.repo.url, { allowPrivate: settings.allowPrivateRepos ?? false });
  const credentials = await secrets.gitCredentials(job.spec.repo.url, settings.workDir);
  const env = repoTargetEnv(credentials.env, target);
  // PATCHBAY_MAX_REPO_FILES / PATCHBAY_MAX_REPO_MB: measured before the checkout is written.
  const limits = settings.repoLimits ? { limits: settings.repoLimits } : {};
  const options = { timeoutMs: CLONE_TIMEOUT_MS, hostPath: settings.hostPath, signal, env, ...limits };
  return cloneRepository(reviewCheckout(job.spec), settings.workDir, options, sourceBundle(job, context.sources))
    .catch((err: unknown) => {
      throw secrets.redactError(withNote(err, credentials.note));
    })
    .finally(() => credentials.remove());
}

/** A clone that failed without a credential the project has says why it was not used. */
function withNote(err: unknown, note: string | undefined): unknown {
  if (!note || !(err instanceof PatchbayError)) return err;
  return new PatchbayError(err.code, `${err.message} (${note})`, { details: err.details });
}

/** The uploaded bundle the spec names (repo.source), read from the job's own project only. */
function sourceBundle(job: JobRecord, sources: SourceRepository | undefined): (() => Promise<Buffer>) | undefined {
  const id = job.spec.repo.source;
  if (!id) return undefined;
  return async () => {
    const data = await sources?.read(job.projectId, id);
    if (!data) throw new PatchbayError("repo_clone_failed", `no source ${id} in project ${job.projectId}`);
    return data;
  };
}
