import { randomUUID } from "node:crypto";
import { PatchbayError } from "@patchbay/core";
import type { JobEventRepository, JobRecord, JobRepository } from "@patchbay/db";
import type { Request, Response } from "express";
import { z } from "zod";
import { invalidRequest } from "../http-errors.js";
import { requireJob } from "./jobs.js";

const MessageBody = z.object({ text: z.string().trim().min(1, "text must not be empty").max(20_000) });

/** Phases after which the model is never called again: a message could not reach it. */
const AFTER_AGENT = new Set(["checks", "finalize"]);

/**
 * `POST /v1/jobs/:id/messages` `{text}`: steers a running job. The message is stored as a
 * `user_message` event (`delivered: false`); the worker gives it to the model before its next
 * call and records it again with `delivered: true`. 202 with the message id and its event's seq.
 */
export function messagesHandler(deps: { jobs: JobRepository; events: JobEventRepository }) {
  return async (req: Request<{ id: string }>, res: Response) => {
    const body = MessageBody.safeParse(req.body ?? {});
    if (!body.success) throw invalidRequest("message", body.error);
    const job = await requireJob(deps.jobs, req.params.id);
    refuseUnlessSteerable(job);
    const messageId = randomUUID();
    const [event] = await deps.events.appendBatch(job.id, [
      { type: "user_message", data: { messageId, text: body.data.text, delivered: false } },
    ]);
    res.status(202).json({ messageId, jobId: job.id, seq: event?.seq ?? null, delivered: false });
  };
}

function refuseUnlessSteerable(job: JobRecord): void {
  const followUp = `send a follow-up instead (POST /v1/jobs/${job.id}/follow-ups)`;
  if (job.status !== "running") {
    throw new PatchbayError("conflict", `job ${job.id} is ${job.status}, not running; ${followUp}`, {
      details: { status: job.status },
    });
  }
  if (job.phase !== null && AFTER_AGENT.has(job.phase)) {
    throw new PatchbayError(
      "conflict",
      `job ${job.id} is past its agent phase (${job.phase}): the model will not be called again; ${followUp}`,
      { details: { status: job.status, phase: job.phase } },
    );
  }
}
