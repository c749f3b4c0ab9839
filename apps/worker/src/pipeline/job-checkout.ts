import { PatchbayError } from "@patchbay/core";
import type { JobRecord, SourceRepository } from "@patchbay/db";
import { reviewCheckout } from "../review/review-target.js";
import { cachedCheckout } from "./cached-checkout.js";
import { cloneRepository, type HostCheckout } from "./clone.js";
import type { CacheScope } from "./git-cache.js";
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
  const repo = reviewCheckout(job.spec);
  const cache = settings.gitCache;
  const checkout =
    cache && !job.spec.repo.source
      ? cachedCheckout(repo, {
          cache,
          scope: cacheScope(job, credentials.env),
          // A review diffs its head against a base branch: it needs the history.
          history: job.spec.kind === "review" ? "full" : cache.history,
          jobId: job.id,
          workDir: settings.workDir,
          git: { timeoutMs: CLONE_TIMEOUT_MS, hostPath: settings.hostPath, signal, env },
          ...limits,
        })
      : cloneRepository(repo, settings.workDir, options, sourceBundle(job, context.sources));
  return checkout
    .catch((err: unknown) => {
      throw secrets.redactError(withNote(err, credentials.note));
    })
    .finally(() => credentials.remove());
}

/**
 * Which git cache entry a job may use. Objects fetched with the project's credentials (a token or
 * key bound to the host, or a password in the URL) stay the project's own. Objects fetched with
 * no credential are what any project naming the URL could fetch itself, so they are shared; and
 * since every job fetches again with its own credentials before anything is handed out, a remote
 * that became private, or a commit it no longer serves, is refused to the next job all the same.
 */
export function cacheScope(
  job: Pick<JobRecord, "projectId" | "spec">,
  credentialEnv: Record<string, string>,
): CacheScope {
  if (Object.keys(credentialEnv).length > 0 || urlCarriesSecret(job.spec.repo.url)) {
    return { kind: "project", projectId: job.projectId };
  }
  return { kind: "shared" };
}

function urlCarriesSecret(url: string): boolean {
  if (!/^https:\/\//i.test(url)) return false;
  try {
    const parsed = new URL(url);
    return parsed.username !== "" || parsed.password !== "";
  } catch {
    return true;
  }
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
