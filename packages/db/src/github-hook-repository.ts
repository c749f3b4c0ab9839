import type { Db } from "./client.js";
import { Prisma } from "./generated/prisma/client.js";

/** A project's GitHub webhook settings. */
export interface GithubHookSettings {
  projectId: string;
  triggerLabel: string;
  /** JobSpec fields each job from a webhook starts from. */
  template: Record<string, unknown>;
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
   * Records a delivery id; returns the earlier outcome when it was seen before (a replay), or
   * null when this is the first time.
   */
  async firstDelivery(projectId: string, id: string, event: string, outcome: unknown): Promise<unknown | null> {
    try {
      await this.db.webhookDelivery.create({
        data: { projectId, id, event, outcome: outcome as Prisma.InputJsonValue },
      });
      return null;
    } catch (err) {
      if (!(err instanceof Prisma.PrismaClientKnownRequestError && err.code === "P2002")) throw err;
      const seen = await this.db.webhookDelivery.findUnique({ where: { projectId_id: { projectId, id } } });
      return seen?.outcome ?? {};
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
