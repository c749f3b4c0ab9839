import { PatchbayError } from "@patchbay/core";
import type { JobRecord, JobRepository } from "@patchbay/db";
import type { Request, RequestHandler } from "express";
import { authOf } from "./context.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

// The row this check loaded, so the route behind it need not read the same row again.
const loaded = new WeakMap<Request, JobRecord>();

/** The job `ownJobsOnly` loaded for this request (read moments ago), if any. */
export function ownedJob(req: Request): JobRecord | undefined {
  return loaded.get(req);
}

/**
 * For `/v1/jobs/:id/...`: another project's job is answered exactly like a job that does not
 * exist (404), so a key cannot even learn that an id is taken.
 */
export function ownJobsOnly(jobs: JobRepository): RequestHandler {
  return async (req: Request<{ id?: string }>, _res, next) => {
    const id = req.params.id ?? "";
    const job = UUID.test(id) ? await jobs.findById(id) : null;
    if (!job || job.projectId !== authOf(req).projectId) {
      throw new PatchbayError("not_found", `no job with id ${id}`);
    }
    loaded.set(req, job);
    next();
  };
}
