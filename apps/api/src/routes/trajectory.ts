import { trajectoryFromEvents } from "@patchbay/agent";
import { eventCandidate, type JobEvent, PatchbayError } from "@patchbay/core";
import type { JobEventRepository, JobRepository } from "@patchbay/db";
import type { Request, Response } from "express";
import { requireJob } from "./jobs.js";

const PAGE = 500;

/**
 * `GET /v1/jobs/:id/trajectory`: the job's model turns as a script for the scripted model server
 * (`POST /v1/scripts/<name>` on it, then run a job with `script:<name>`), so a real run becomes a
 * regression test. 409 while the job has no recorded model turn. A best-of-N job's trajectory is
 * that of the attempt whose patch it holds.
 */
export function trajectoryHandler(deps: { jobs: JobRepository; events: JobEventRepository }) {
  return async (req: Request<{ id: string }>, res: Response) => {
    const job = await requireJob(deps.jobs, req.params.id);
    const events = ofAttempt(await allEvents(deps.events, job.id), job.result?.bestOfN?.selected);
    if (!events.some((e) => e.type === "model")) {
      throw new PatchbayError("conflict", `job ${job.id} has no model turns yet; its trajectory is empty`);
    }
    let trajectory: ReturnType<typeof trajectoryFromEvents>;
    try {
      trajectory = trajectoryFromEvents(events, `trajectory of job ${job.id} (${job.spec.model}), ${job.status}`);
    } catch (err) {
      throw new PatchbayError("conflict", err instanceof Error ? err.message : String(err));
    }
    res.json(trajectory);
  };
}

function ofAttempt(events: JobEvent[], chosen: number | undefined): JobEvent[] {
  if (chosen === undefined) return events;
  return events.filter((e) => {
    const n = eventCandidate(e);
    return n === undefined || n === chosen;
  });
}

async function allEvents(repo: JobEventRepository, jobId: string): Promise<JobEvent[]> {
  const events: JobEvent[] = [];
  for (;;) {
    const page = await repo.listAfter(jobId, events.at(-1)?.seq ?? 0, PAGE);
    events.push(...page);
    if (page.length < PAGE) return events;
  }
}
