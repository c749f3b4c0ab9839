import { isTerminal, PatchbayError } from "@patchbay/core";
import type { JobEventRepository, JobRepository } from "@patchbay/db";
import type { Request, Response } from "express";
import { z } from "zod";
import { requireJob } from "./jobs.js";

const Seq = z.coerce.number().int().min(0);

/** Where a (re)connecting client wants to resume: Last-Event-ID wins over ?after=. */
function resumePoint(req: Request): number {
  const raw = req.get("Last-Event-ID") ?? (typeof req.query.after === "string" ? req.query.after : "0");
  const parsed = Seq.safeParse(raw);
  if (!parsed.success)
    throw new PatchbayError("invalid_request", "Last-Event-ID / after must be an event seq (integer >= 0)");
  return parsed.data;
}

export interface EventStreamOptions {
  /** How often to look for new events of a running job. */
  pollMs: number;
  /** How often to send a comment so proxies keep the connection open. */
  heartbeatMs: number;
}

/**
 * `GET /v1/jobs/:id/events` as Server-Sent Events: `id: seq`, `event: type`, JSON data.
 * A finished job's stream replays what is left and closes.
 */
export function eventsHandler(deps: { jobs: JobRepository; events: JobEventRepository }, options: EventStreamOptions) {
  return async (req: Request<{ id: string }>, res: Response) => {
    const job = await requireJob(deps.jobs, req.params.id);
    let after = resumePoint(req);
    res.writeHead(200, {
      "Content-Type": "text/event-stream; charset=utf-8",
      "Cache-Control": "no-cache, no-transform",
      Connection: "keep-alive",
      "X-Accel-Buffering": "no",
    });
    res.write("retry: 1000\n\n");
    let closed = false;
    req.on("close", () => {
      closed = true;
    });
    let lastWrite = Date.now();
    while (!closed) {
      const batch = await deps.events.listAfter(job.id, after);
      for (const e of batch) res.write(`id: ${e.seq}\nevent: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`);
      if (batch.length > 0) {
        after = batch.at(-1)!.seq;
        lastWrite = Date.now();
        continue;
      }
      // The terminal status and its event commit together, so nothing can follow once we see it.
      const current = await deps.jobs.findById(job.id);
      if (!current || isTerminal(current.status)) {
        if ((await deps.events.listAfter(job.id, after, 1)).length === 0) break;
        continue;
      }
      if (Date.now() - lastWrite >= options.heartbeatMs) {
        res.write(": keep-alive\n\n");
        lastWrite = Date.now();
      }
      await new Promise((r) => setTimeout(r, options.pollMs));
    }
    res.end();
  };
}
