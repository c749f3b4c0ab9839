import { JOB_STATUSES, JobSpecSchema, PatchbayError } from "@patchbay/core";
import type { JobEventRepository, JobRecord, JobRepository } from "@patchbay/db";
import { type Request, Router } from "express";
import { z } from "zod";
import { authOf } from "../auth/index.js";
import { ownedJob } from "../auth/job-access.js";
import { invalidRequest } from "../http-errors.js";
import { toJobResource } from "../job-resource.js";
import type { JobService } from "../job-service.js";

const ListQuery = z.object({
  status: z.enum(JOB_STATUSES).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().uuid("cursor must be the nextCursor of a previous page").optional(),
  repo: z.string().min(1).max(2000).optional(),
  kind: z.enum(["change", "ask", "review"]).optional(),
  since: z.coerce.date({ error: "since must be a date, e.g. 2026-12-01T00:00:00Z" }).optional(),
  q: z.string().trim().min(1).max(200).optional(),
});

const IdempotencyKey = z.string().min(1).max(200).optional();
const UUID = z.string().uuid();

/**
 * Loads a job or throws a 404 that names the id; with `req`, reuses the row `ownJobsOnly` read
 * for this same request instead of a second query.
 */
export async function requireJob(jobs: JobRepository, id: string, req?: Request) {
  const owned = req ? ownedJob(req) : undefined;
  if (owned?.id === id) return owned;
  const job = UUID.safeParse(id).success ? await jobs.findById(id) : null;
  if (!job) throw new PatchbayError("not_found", `no job with id ${id}`);
  return job;
}

/** A follow-up's own change (`?since=parent`); 409 for a job that follows nothing or is not done. */
async function stepPatch(jobs: JobRepository, job: JobRecord): Promise<string> {
  if (!job.parentId) {
    throw new PatchbayError(
      "conflict",
      `job ${job.id} is not a follow-up; GET /v1/jobs/${job.id}/patch is its whole change`,
    );
  }
  const patch = await jobs.getStepPatch(job.id);
  if (patch === null) {
    throw new PatchbayError(
      "conflict",
      `job ${job.id} has no patch yet (status ${job.status}); try again when it finished`,
    );
  }
  return patch;
}

/** `/v1/jobs`: submit, read, list, patch, cancel. */
export function jobsRouter(deps: { jobs: JobRepository; service: JobService; events: JobEventRepository }): Router {
  const router = Router();

  router.post("/", async (req, res) => {
    const parsed = JobSpecSchema.safeParse(req.body ?? {});
    if (!parsed.success) throw invalidRequest("job spec", parsed.error);
    const key = IdempotencyKey.safeParse(req.get("Idempotency-Key"));
    if (!key.success) throw invalidRequest("Idempotency-Key header", key.error);
    const { job, created } = await deps.service.submit(parsed.data, key.data, authOf(req).projectId);
    res
      .status(created ? 202 : 200)
      .location(`/v1/jobs/${job.id}`)
      .json(toJobResource(job));
  });

  router.get("/", async (req, res) => {
    const query = ListQuery.safeParse(req.query);
    if (!query.success) throw invalidRequest("query", query.error);
    const { limit, status, cursor, repo, kind, since, q } = query.data;
    const jobs = await deps.jobs.list({
      projectId: authOf(req).projectId,
      limit: limit + 1,
      ...(status ? { status } : {}),
      ...(cursor ? { cursor } : {}),
      ...(repo ? { repoUrl: repo } : {}),
      ...(kind ? { kind } : {}),
      ...(since ? { since } : {}),
      ...(q ? { text: q } : {}),
    });
    const page = jobs.slice(0, limit);
    const nextCursor = jobs.length > limit ? (page.at(-1)?.id ?? null) : null;
    res.json({ data: page.map(toJobResource), nextCursor });
  });

  // The agent's current plan (its last update_plan) rides along, live while the job runs.
  router.get("/:id", async (req, res) => {
    const job = await requireJob(deps.jobs, req.params.id, req);
    const plan = await deps.events.lastOfType(job.id, "plan");
    res.json({ ...toJobResource(job), plan: plan?.data ?? null });
  });

  router.get("/:id/patch", async (req, res) => {
    const job = await requireJob(deps.jobs, req.params.id);
    if (req.query.since === "parent") {
      res.type("text/x-diff; charset=utf-8").send(await stepPatch(deps.jobs, job));
      return;
    }
    const patch = await deps.jobs.getPatch(job.id);
    if (patch === null) {
      throw new PatchbayError(
        "conflict",
        `job ${job.id} has no patch (status ${job.status}); try again when it finished`,
      );
    }
    res.type("text/x-diff; charset=utf-8").send(patch);
  });

  router.post("/:id/cancel", async (req, res) => {
    await requireJob(deps.jobs, req.params.id);
    res.status(202).json(toJobResource(await deps.service.cancel(req.params.id)));
  });

  return router;
}
