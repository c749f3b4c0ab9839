import type { JobRecord } from "@patchbay/db";
import { publicSpec } from "./public-spec.js";

/**
 * The public JSON of a job: what the API answers and what notifications carry. The patch is
 * not in it (fetch it by `links.patch`), nor a hidden test patch (see publicSpec).
 */
export function toJobJson(job: JobRecord) {
  return {
    id: job.id,
    projectId: job.projectId,
    status: job.status,
    phase: job.phase,
    model: job.model,
    attempt: job.attempt,
    workerId: job.workerId,
    cancelRequested: job.cancelRequested,
    createdAt: job.createdAt.toISOString(),
    updatedAt: job.updatedAt.toISOString(),
    startedAt: job.startedAt?.toISOString() ?? null,
    finishedAt: job.finishedAt?.toISOString() ?? null,
    spec: publicSpec(job.spec),
    result: job.result,
    error: job.error,
    parentId: job.parentId ?? null,
    rootId: job.rootId ?? null,
    links: {
      self: `/v1/jobs/${job.id}`,
      events: `/v1/jobs/${job.id}/events`,
      patch: `/v1/jobs/${job.id}/patch`,
      thread: `/v1/jobs/${job.id}/thread`,
    },
  };
}

/** The public JSON of a job (the type of `toJobJson`). */
export type JobJson = ReturnType<typeof toJobJson>;
