import type { Db } from "./client.js";
import { Prisma } from "./generated/prisma/client.js";

/** A project's GitHub webhook settings. */
export interface GithubHookSettings {
  projectId: string;
  triggerLabel: string;
  /** JobSpec fields each job from a webhook starts from. */
  template: Record<string, unknown>;
}

/** A delivery seen before: its id, what it led to, and whether it matched by body (another delivery id). */
export interface SeenDelivery {
  deliveryId: string;
  outcome: unknown;
  sameBody: boolean;
}

/** GitHub webhook settings and the deliveries already seen. */
export class GithubHookRepository {
  constructor(private readonly db: Db) {}

  /** The project's settings (defaults when none were set). */
  async settings(projectId: string): Promise<GithubHookSettings> {
    const row = await this.db.githubHook.findUnique({ where: { projectId } });
    return {
      projectId,
      triggerLabel: row?.triggerLabel ?? "patchbay",
      template: (row?.template ?? {}) as Record<string, unknown>,
    };
  }

  /** Creates or replaces the project's settings. */
  async put(settings: GithubHookSettings): Promise<GithubHookSettings> {
    const data = { triggerLabel: settings.triggerLabel, template: settings.template as Prisma.InputJsonValue };
    await this.db.githubHook.upsert({
      where: { projectId: settings.projectId },
      create: { projectId: settings.projectId, ...data },
      update: data,
    });
    return settings;
  }

  /**
   * Records a delivery; returns the earlier one when this is a replay (null the first time): the
   * same delivery id, or (given `body`) the same body under another id within `body.windowMs`.
   */
  async firstDelivery(
    projectId: string,
    id: string,
    event: string,
    outcome: unknown,
    body?: { sha256: string; windowMs: number },
  ): Promise<SeenDelivery | null> {
    try {
      return await this.db.$transaction(async (tx) => {
        const byId = await tx.webhookDelivery.findUnique({ where: { projectId_id: { projectId, id } } });
        if (byId) return { deliveryId: id, outcome: byId.outcome, sameBody: false };
        if (body) {
          // Concurrent replays of one body wait here for each other, so only the first makes a job.
          await tx.$executeRaw`SELECT 1 FROM pg_advisory_xact_lock(hashtextextended(${`${projectId}/${body.sha256}`}, 0))`;
          const since = new Date(Date.now() - body.windowMs);
          const earlier = await tx.webhookDelivery.findFirst({
            where: { projectId, bodySha256: body.sha256, createdAt: { gt: since } },
            orderBy: { createdAt: "asc" },
          });
          if (earlier) return { deliveryId: earlier.id, outcome: earlier.outcome, sameBody: true };
        }
        await tx.webhookDelivery.create({
          data: { projectId, id, event, outcome: outcome as Prisma.InputJsonValue, bodySha256: body?.sha256 ?? null },
        });
        return null;
      });
    } catch (err) {
      if (!(err instanceof Prisma.PrismaClientKnownRequestError && err.code === "P2002")) throw err;
      const seen = await this.db.webhookDelivery.findUnique({ where: { projectId_id: { projectId, id } } });
      return { deliveryId: id, outcome: seen?.outcome ?? {}, sameBody: false };
    }
  }

  /** Stores what a delivery led to (after the job was made). */
  async setOutcome(projectId: string, id: string, outcome: unknown): Promise<void> {
    await this.db.webhookDelivery.update({
      where: { projectId_id: { projectId, id } },
      data: { outcome: outcome as Prisma.InputJsonValue },
    });
  }

  /** Forgets a delivery (its processing failed before a job was made, so GitHub's redelivery may retry). */
  async forget(projectId: string, id: string): Promise<void> {
    await this.db.webhookDelivery.deleteMany({ where: { projectId, id } });
  }
}
