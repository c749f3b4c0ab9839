import { isTerminal, PatchbayError } from "@patchbay/core";
import type { JobEventRepository, JobRepository } from "@patchbay/db";
import type { Request, Response } from "express";
import { z } from "zod";
import { eventFrame, type FeedOptions, JobEventFeeds } from "./event-feed.js";
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

export type EventStreamOptions = FeedOptions;

// A client this far behind (unsent bytes) is cut off; it resumes from its Last-Event-ID.
const MAX_UNSENT_BYTES = 8 * 1024 * 1024;
// Events read per query while replaying.
const PAGE = 500;

/** Resolves when the response can take more, or is closed. */
function drained(res: Response): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off("drain", done);
      res.off("close", done);
      resolve();
    };
    res.on("drain", done);
    res.on("close", done);
  });
}

/**
 * `GET /v1/jobs/:id/events` as Server-Sent Events: `id: seq`, `event: type`, JSON data.
 * A stream first reads what it has not seen on its own, then follows the job's shared feed.
 * A finished job's stream replays what is left and closes.
 */
export function eventsHandler(deps: { jobs: JobRepository; events: JobEventRepository }, options: EventStreamOptions) {
  const feeds = new JobEventFeeds(deps, options);
  return async (req: Request<{ id: string }>, res: Response) => {
    const job = await requireJob(deps.jobs, req.params.id, req);
    // Seen finished before any read below: a page shorter than PAGE is then the end of the log.
    let finished = isTerminal(job.status);
    let after = resumePoint(req);
    res.writeHead(200, {
      "Content-Type": "text/event-stream; charset=utf-8",
      "Cache-Control": "no-cache, no-transform",
      Connection: "keep-alive",
      "X-Accel-Buffering": "no",
    });
    res.write("retry: 1000\n\n");
    let closed = false;
    let leave: (() => void) | null = null;
    req.on("close", () => {
      closed = true;
      leave?.();
    });
    while (!closed) {
      const batch = await deps.events.listAfter(job.id, after, PAGE);
      if (batch.length > 0) {
        after = batch.at(-1)!.seq;
        // A replay waits for a slow client instead of holding the whole job's log in memory.
        if (!res.write(batch.map(eventFrame).join(""))) await drained(res);
        if (finished && batch.length < PAGE) break;
        continue;
      }
      if (finished) break;
      const current = await deps.jobs.findById(job.id);
      if (!current || isTerminal(current.status)) {
        // Events written before it finished are all visible now: one more read, then the end.
        finished = true;
        continue;
      }
      if (closed) break;
      // Caught up with a running job: from here the shared feed writes and ends the stream.
      leave = feeds.join(job.id, {
        after,
        send: (text) => res.write(text) || res.writableLength <= MAX_UNSENT_BYTES,
        end: () => res.end(),
      });
      if (leave) return;
    }
    res.end();
  };
}
