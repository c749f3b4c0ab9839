import { z } from "zod";

/**
 * The job catalog: every queue Patchbay uses, with its payload schema and delivery policy.
 * Payloads are validated at enqueue so a bad one fails at the producer, not in a worker.
 */
export const QUEUE_CATALOG = {
  runJob: {
    payload: z.object({ jobId: z.string().uuid() }),
    /** BullMQ retries are not used for job failures: the pipeline records its own outcome. */
    attempts: 1,
    /** A crashed worker's job is picked up again this many times before it is given up. */
    maxStalledCount: 2,
  },
} as const;

export type RunJobPayload = z.infer<typeof QUEUE_CATALOG.runJob.payload>;

/** Redis pub/sub channel on which the API announces cancellations (message: the job id). */
export const CANCEL_CHANNEL = "patchbay:cancel";
