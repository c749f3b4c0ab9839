import { PatchbayError } from "@patchbay/core";
import type { CandidateRepository, JobRepository } from "@patchbay/db";
import { Router } from "express";
import { toJobResource } from "../job-resource.js";
import { requireJob } from "./jobs.js";

/**
 * A best-of-N job's attempts: `GET /v1/jobs/:id/candidates` (each with its patch, checks, usage,
 * rank and whether the job holds it) and `POST /v1/jobs/:id/candidates/:n/select` (a person makes
 * attempt n the job's outcome).
 */
export function candidatesRouter(deps: { jobs: JobRepository; candidates: CandidateRepository }): Router {
  const router = Router({ mergeParams: true });

  router.get("/:id/candidates", async (req, res) => {
    const job = await requireJob(deps.jobs, req.params.id);
    const best = job.result?.bestOfN;
    const order = (best?.ranking ?? []).map((line) => Number.parseInt(line, 10));
    const data = (await deps.candidates.list(job.id)).map((c) => ({
      ...c,
      rank: order.indexOf(c.n) + 1 || null,
      selected: best?.selected === c.n,
    }));
    res.json({ attempts: job.spec.attempts ?? 1, bestOfN: best ?? null, data });
  });

  router.post("/:id/candidates/:n/select", async (req, res) => {
    const job = await requireJob(deps.jobs, req.params.id);
    const n = attemptNumber(req.params.n);
    await deps.candidates.select(job.id, n);
    res.json(toJobResource((await deps.jobs.findById(job.id)) ?? job));
  });

  return router;
}

function attemptNumber(raw: string): number {
  const n = /^[1-9][0-9]?$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isInteger(n))
    throw new PatchbayError(
      "invalid_request",
      `"${raw}" is not an attempt number: use 1 to 8, as listed by GET candidates`,
    );
  return n;
}
