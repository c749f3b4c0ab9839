import { type JobSpec, PatchbayError, repoUrlProblem } from "@patchbay/core";
import type { ProjectRepository, SourceRepository } from "@patchbay/db";
import { DEFAULT_SANDBOX_MAXIMA, sandboxLimitProblem } from "./sandbox-limits.js";

/** How long a client whose project queue is full should wait before trying again. */
export const QUEUE_FULL_RETRY_SEC = 30;

/** The operator's rules for accepting jobs (from configuration). */
export interface AdmissionPolicy {
  /** file:// URLs and host paths as repo.url (PATCHBAY_ALLOW_FILE_REPOS). */
  allowFileRepos: boolean;
  /** repo.url hosts on loopback, link-local or private networks (PATCHBAY_ALLOW_PRIVATE_REPOS). @defaultValue false */
  allowPrivateRepos?: boolean;
  /** Queued jobs per project without its own limit (PATCHBAY_PROJECT_MAX_QUEUED). */
  defaultMaxQueued: number;
  /** The most sandbox.memoryMb a spec may ask for (PATCHBAY_SANDBOX_MAX_MEMORY_MB). @defaultValue 8192 */
  sandboxMaxMemoryMb?: number;
  /** The most sandbox.cpus a spec may ask for (PATCHBAY_SANDBOX_MAX_CPUS). @defaultValue 4 */
  sandboxMaxCpus?: number;
}

function refused(path: string, problem: string): PatchbayError {
  return new PatchbayError("invalid_request", `invalid job spec: ${path}: ${problem}`, {
    details: [{ path, message: problem }],
  });
}

/**
 * The server's rules for accepting a (valid) JobSpec into a project, applied the same way to
 * every way a job is made: the API, GitHub webhooks, schedule ticks.
 */
export class SubmitAdmission {
  constructor(
    private readonly deps: { projects: ProjectRepository; sources: SourceRepository },
    private readonly policy: AdmissionPolicy,
  ) {}

  /**
   * Throws 400 for a repository this server refuses (transport, private target, another
   * project's uploaded source) or sandbox limits above its maxima, 429 when the project's queue
   * is full.
   */
  async check(projectId: string, spec: JobSpec): Promise<void> {
    const problem = repoUrlProblem(spec.repo.url, {
      allowFile: this.policy.allowFileRepos,
      allowPrivate: this.policy.allowPrivateRepos ?? false,
    });
    if (problem) throw refused("repo.url", problem);
    const limit = sandboxLimitProblem(spec.sandbox, {
      maxMemoryMb: this.policy.sandboxMaxMemoryMb ?? DEFAULT_SANDBOX_MAXIMA.maxMemoryMb,
      maxCpus: this.policy.sandboxMaxCpus ?? DEFAULT_SANDBOX_MAXIMA.maxCpus,
    });
    if (limit) throw refused(limit.path, limit.message);
    const source = spec.repo.source;
    if (source && !(await this.deps.sources.find(projectId, source))) {
      throw refused("repo.source", `no source ${source} in project ${projectId} (upload it with this project's key)`);
    }
    await this.checkQueue(projectId);
  }

  private async checkQueue(projectId: string): Promise<void> {
    const project = await this.deps.projects.find(projectId);
    const cap = project?.maxQueuedJobs ?? this.policy.defaultMaxQueued;
    const queued = await this.deps.projects.countJobs(projectId, "queued");
    if (queued >= cap) {
      throw new PatchbayError(
        "rate_limited",
        `project ${projectId} already has ${queued} queued jobs (its limit is ${cap}); retry when some have started`,
        { details: { retryAfterSec: QUEUE_FULL_RETRY_SEC } },
      );
    }
  }
}
