import type { JobRecord } from "@patchbay/db";

/** The public JSON shape of a job. */
export function toJobResource(job: JobRecord) {
  return {
    id: job.id,
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
    spec: job.spec,
    result: job.result,
    error: job.error,
    links: {
      self: `/v1/jobs/${job.id}`,
      events: `/v1/jobs/${job.id}/events`,
      patch: `/v1/jobs/${job.id}/patch`,
    },
  };
}
