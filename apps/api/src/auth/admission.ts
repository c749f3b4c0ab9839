import { type JobSpec, PatchbayError, repoUrlProblem } from "@patchbay/core";
import type { ProjectRepository } from "@patchbay/db";

/** How long a client whose project queue is full should wait before trying again. */
const QUEUE_FULL_RETRY_SEC = 30;

/** The server's rules for accepting a (valid) JobSpec from a project. */
export class SubmitAdmission {
  constructor(
    private readonly projects: ProjectRepository,
    private readonly options: { allowFileRepos: boolean; defaultMaxQueued: number },
  ) {}

  /** Throws 400 for a repository transport this server refuses, 429 when the project's queue is full. */
  async check(projectId: string, spec: JobSpec): Promise<void> {
    const problem = repoUrlProblem(spec.repo.url, { allowFile: this.options.allowFileRepos });
    if (problem) {
      throw new PatchbayError("invalid_request", `invalid job spec: repo.url: ${problem}`, {
        details: [{ path: "repo.url", message: problem }],
      });
    }
    const project = await this.projects.find(projectId);
    const cap = project?.maxQueuedJobs ?? this.options.defaultMaxQueued;
    const queued = await this.projects.countJobs(projectId, "queued");
    if (queued >= cap) {
      throw new PatchbayError(
        "rate_limited",
        `project ${projectId} already has ${queued} queued jobs (its limit is ${cap}); retry when some have started`,
        { details: { retryAfterSec: QUEUE_FULL_RETRY_SEC } },
      );
    }
  }
}
