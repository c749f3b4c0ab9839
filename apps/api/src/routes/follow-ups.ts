import { type JobSpec, JobSpecSchema, PatchbayError } from "@patchbay/core";
import type { JobRecord, JobRepository } from "@patchbay/db";
import { Router } from "express";
import { z } from "zod";
import { authOf } from "../auth/index.js";
import { invalidRequest } from "../http-errors.js";
import { toJobResource } from "../job-resource.js";
import type { JobService } from "../job-service.js";
import { requireJob } from "./jobs.js";

/** What a follow-up may change; everything else comes from the parent's spec. */
const FollowUpBody = z
  .object({
    task: JobSpecSchema.shape.task,
    model: z.string().min(1).max(200).optional(),
    reasoningEffort: JobSpecSchema.shape.reasoningEffort,
    limits: JobSpecSchema.shape.limits.optional(),
  })
  .strict();

const FOLLOWABLE = new Set(["succeeded", "failed"]);

/** `/v1/jobs/:id/follow-ups` and `/v1/jobs/:id/thread`: longer tasks as a thread of jobs. */
export function followUpsRouter(deps: { jobs: JobRepository; service: JobService }): Router {
  const router = Router({ mergeParams: true });

  // A new job that starts from the parent's final tree with the parent's conversation.
  router.post("/:id/follow-ups", async (req, res) => {
    const body = FollowUpBody.safeParse(req.body ?? {});
    if (!body.success) throw invalidRequest("follow-up", body.error);
    const parent = await requireJob(deps.jobs, req.params.id);
    const baseCommit = refuseUnlessFollowable(parent);
    const spec = followUpSpec(parent.spec, baseCommit, body.data);
    const thread = { parentId: parent.id, rootId: parent.rootId ?? parent.id };
    const { job } = await deps.service.submitFollowUp(spec, authOf(req).projectId, thread);
    res.status(202).location(`/v1/jobs/${job.id}`).json(toJobResource(job));
  });

  router.get("/:id/thread", async (req, res) => {
    const job = await requireJob(deps.jobs, req.params.id);
    const jobs = await deps.jobs.listThread(job.rootId ?? job.id);
    res.json({ rootId: job.rootId ?? job.id, data: jobs.map(toJobResource) });
  });

  return router;
}

/** The commit the parent's patch applies to; a 409 saying why when the job cannot be followed up. */
function refuseUnlessFollowable(parent: JobRecord): string {
  if (!FOLLOWABLE.has(parent.status)) {
    const why =
      parent.status === "queued" || parent.status === "running"
        ? `it is still ${parent.status}; steer it with POST /v1/jobs/${parent.id}/messages or wait until it finished`
        : `it ended ${parent.status}`;
    throw new PatchbayError(
      "conflict",
      `job ${parent.id} cannot be followed up: ${why} (only succeeded or failed jobs can)`,
      {
        details: { status: parent.status },
      },
    );
  }
  if (parent.spec.kind === "review") {
    throw new PatchbayError(
      "conflict",
      `job ${parent.id} is a review: its findings are in result.review; to act on them, submit a change job at its head (${parent.result?.review?.head ?? parent.spec.review?.head})`,
    );
  }
  const baseCommit = parent.result?.baseCommit;
  if (!baseCommit) {
    throw new PatchbayError("conflict", `job ${parent.id} cannot be followed up: it never checked out its repository`);
  }
  return baseCommit;
}

/** The parent's spec at its base commit, with the new task and what the caller overrides. */
function followUpSpec(parent: JobSpec, baseCommit: string, body: z.output<typeof FollowUpBody>): JobSpec {
  // A follow-up continues the attempt its parent holds: one attempt, unless asked again.
  const { output: _pushOnlyOnce, metadata: _own, attempts: _chosenAlready, ...rest } = parent;
  return JobSpecSchema.parse({
    ...rest,
    repo: { ...parent.repo, commit: baseCommit },
    task: body.task,
    ...(body.model ? { model: body.model } : {}),
    ...(body.reasoningEffort ? { reasoningEffort: body.reasoningEffort } : {}),
    ...(body.limits ? { limits: body.limits } : {}),
  });
}
