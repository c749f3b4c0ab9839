import { randomUUID } from "node:crypto";
import { JobSpecSchema, PatchbayError } from "@patchbay/core";
import type { ScheduleRecord, ScheduleRepository } from "@patchbay/db";
import type { ScheduleQueue } from "@patchbay/queue";
import { Router } from "express";
import { z } from "zod";
import { authOf, type SubmitAdmission } from "../auth/index.js";
import { invalidRequest } from "../http-errors.js";

/** Shortest interval a schedule may have (`everyMs`). */
export const MIN_EVERY_MS = 1000;

const ScheduleBody = z
  .object({
    name: z.string().trim().min(1).max(200).optional(),
    cron: z.string().trim().min(9, 'cron must be a cron expression, e.g. "0 3 * * *"').max(200).optional(),
    timezone: z.string().min(1).max(100).optional(),
    everyMs: z
      .number()
      .int()
      .min(MIN_EVERY_MS)
      .max(366 * 24 * 3600 * 1000)
      .optional(),
    /** Let a tick start a job while the schedule's previous job is still queued or running (default: skip it). */
    allowOverlap: z.boolean().optional(),
    spec: JobSpecSchema,
  })
  .strict()
  .refine((b) => (b.cron === undefined) !== (b.everyMs === undefined), {
    message: "give exactly one of cron (a cron expression) or everyMs (an interval)",
    path: ["cron"],
  });

const UUID = z.string().uuid();

/** The public JSON shape of a schedule (with when it fires next). */
async function toResource(s: ScheduleRecord, queue: ScheduleQueue) {
  const next = s.paused ? null : await queue.next(s.id);
  return {
    id: s.id,
    name: s.name,
    cron: s.cron,
    timezone: s.timezone,
    everyMs: s.everyMs,
    paused: s.paused,
    allowOverlap: s.allowOverlap,
    runs: s.runs,
    skippedRuns: s.skippedRuns,
    lastRunAt: s.lastRunAt?.toISOString() ?? null,
    lastJobId: s.lastJobId,
    lastError: s.lastError,
    nextRunAt: next?.toISOString() ?? null,
    createdAt: s.createdAt.toISOString(),
    spec: s.spec,
  };
}

const timingOf = (s: ScheduleRecord) =>
  s.cron ? { cron: s.cron, ...(s.timezone ? { timezone: s.timezone } : {}) } : { everyMs: s.everyMs ?? 60_000 };

/** `/v1/schedules`: recurring jobs on BullMQ job schedulers; create, list, read, pause, resume, delete. */
export function schedulesRouter(deps: {
  schedules: ScheduleRepository;
  queue: ScheduleQueue;
  admission: SubmitAdmission;
}): Router {
  const router = Router();
  const find = async (projectId: string, id: string) => {
    const s = UUID.safeParse(id).success ? await deps.schedules.find(projectId, id) : null;
    if (!s) throw new PatchbayError("not_found", `no schedule with id ${id}`);
    return s;
  };

  router.post("/", async (req, res) => {
    const parsed = ScheduleBody.safeParse(req.body ?? {});
    if (!parsed.success) throw invalidRequest("schedule", parsed.error);
    const { projectId } = authOf(req);
    const { spec, name, cron, everyMs, timezone, allowOverlap } = parsed.data;
    await deps.admission.check(projectId, spec);
    const s = await deps.schedules.create({
      id: randomUUID(),
      projectId,
      name: name ?? null,
      cron: cron ?? null,
      everyMs: everyMs ?? null,
      timezone: timezone ?? null,
      allowOverlap: allowOverlap ?? false,
      spec,
      queue: deps.queue.jobQueue,
    });
    try {
      await deps.queue.upsert(s.id, timingOf(s));
    } catch (err) {
      await deps.schedules.delete(projectId, s.id);
      throw new PatchbayError("invalid_request", `invalid schedule: ${(err as Error).message}`);
    }
    res
      .status(201)
      .location(`/v1/schedules/${s.id}`)
      .json(await toResource(s, deps.queue));
  });

  router.get("/", async (req, res) => {
    const list = await deps.schedules.list(authOf(req).projectId);
    res.json({ data: await Promise.all(list.map((s) => toResource(s, deps.queue))) });
  });

  router.get("/:id", async (req, res) => {
    res.json(await toResource(await find(authOf(req).projectId, req.params.id), deps.queue));
  });

  for (const action of ["pause", "resume"] as const) {
    router.post(`/:id/${action}`, async (req, res) => {
      const { projectId } = authOf(req);
      const s = await find(projectId, req.params.id);
      // The row first: a tick that races the pause sees `paused` and makes no job.
      const updated = (await deps.schedules.setPaused(projectId, s.id, action === "pause")) ?? s;
      if (action === "pause") await deps.queue.remove(s.id);
      else await deps.queue.upsert(s.id, timingOf(updated));
      res.json(await toResource(updated, deps.queue));
    });
  }

  router.delete("/:id", async (req, res) => {
    const { projectId } = authOf(req);
    const s = await find(projectId, req.params.id);
    await deps.schedules.delete(projectId, s.id);
    await deps.queue.remove(s.id);
    res.status(204).end();
  });
  return router;
}
