import { PatchbayError } from "@patchbay/core";
import type { JobRepository } from "@patchbay/db";
import type { Request, RequestHandler } from "express";
import { authOf } from "./context.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

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
    next();
  };
}
