import { PatchbayError } from "@patchbay/core";
import type { JobRepository, NotificationRecord, NotificationRepository } from "@patchbay/db";
import type { NotifyQueue } from "@patchbay/queue";
import { Router } from "express";
import { requireJob } from "./jobs.js";

/** A delivery as the API shows it: its stable id, where it goes, and every attempt. */
export function toDeliveryResource(n: NotificationRecord) {
  return {
    deliveryId: n.deliveryId,
    event: n.event,
    url: n.url,
    state: n.state,
    createdAt: n.createdAt.toISOString(),
    deliveredAt: n.deliveredAt?.toISOString() ?? null,
    attempts: n.log.map((a) => ({
      attempt: a.attempt,
      trigger: a.trigger,
      at: a.ts.toISOString(),
      statusCode: a.statusCode,
      error: a.error,
      durationMs: a.ms,
    })),
  };
}

/**
 * `GET /v1/jobs/:id/notifications` (the job's deliveries with their attempts) and
 * `POST /v1/jobs/:id/notifications/:deliveryId/redeliver` (one more attempt under the same
 * delivery id, made by a worker: 202, then watch the list).
 */
export function notificationsRouter(deps: {
  jobs: JobRepository;
  notifications: NotificationRepository;
  queue: NotifyQueue;
}): Router {
  const router = Router({ mergeParams: true });

  router.get("/:id/notifications", async (req, res) => {
    const job = await requireJob(deps.jobs, req.params.id);
    const notification = await deps.notifications.find(job.id);
    res.json({ data: notification ? [toDeliveryResource(notification)] : [] });
  });

  router.post("/:id/notifications/:deliveryId/redeliver", async (req, res) => {
    const job = await requireJob(deps.jobs, req.params.id);
    const { deliveryId } = req.params;
    const known =
      /^[0-9a-f-]{36}$/i.test(deliveryId) && (await deps.notifications.markRedelivering(job.id, deliveryId));
    if (!known) throw new PatchbayError("not_found", `job ${job.id} has no delivery ${deliveryId}`);
    await deps.queue.redeliver(job.id);
    res.status(202).json({ jobId: job.id, deliveryId, state: "pending" });
  });

  return router;
}
