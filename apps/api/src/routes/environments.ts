import { PatchbayError, ProjectEnvironmentSchema } from "@patchbay/core";
import type { EnvironmentRecord, EnvironmentRepository, ProjectRepository } from "@patchbay/db";
import { type Request, type Response, Router } from "express";
import { requireScope } from "../auth/index.js";
import { invalidRequest } from "../http-errors.js";
import { ownProject } from "./projects.js";

type Req = Request<{ projectId: string; key: string }>;

/** A cached environment as the API shows it. */
function environmentJson(e: EnvironmentRecord) {
  return {
    key: e.key,
    repoUrl: e.repoUrl,
    image: e.image,
    sizeBytes: e.sizeBytes,
    buildMs: e.buildMs,
    hits: e.hits,
    createdAt: e.createdAt.toISOString(),
    lastUsedAt: e.lastUsedAt.toISOString(),
    expiresAt: e.expiresAt.toISOString(),
  };
}

/**
 * `/v1/projects/:projectId/environment` (settings: allowlist, agent network, the project's own
 * setup commands and the secrets they get; read with jobs:read, change with admin) and
 * `/environments` (the cached environments; deleting one makes the next job build it anew).
 */
export function environmentsRouter(deps: { environments: EnvironmentRepository; projects: ProjectRepository }): Router {
  const router = Router();
  const read = requireScope("jobs:read");
  const admin = requireScope("admin");

  router.get("/:projectId/environment", read, async (req: Req, res: Response) => {
    res.json(await deps.environments.settings(ownProject(req)));
  });

  router.put("/:projectId/environment", admin, async (req: Req, res: Response) => {
    const projectId = ownProject(req);
    const body = ProjectEnvironmentSchema.safeParse(req.body ?? {});
    if (!body.success) throw invalidRequest("environment settings", body.error);
    await deps.projects.ensure(projectId);
    res.json(await deps.environments.setSettings(projectId, body.data));
  });

  router.get("/:projectId/environments", read, async (req: Req, res: Response) => {
    const list = await deps.environments.list(ownProject(req));
    res.json({ data: list.map(environmentJson) });
  });

  router.delete("/:projectId/environments", admin, async (req: Req, res: Response) => {
    const removed = await deps.environments.remove(ownProject(req));
    res.json({ removed: removed.length });
  });

  router.delete("/:projectId/environments/:key", admin, async (req: Req, res: Response) => {
    const projectId = ownProject(req);
    const removed = await deps.environments.remove(projectId, req.params.key);
    if (removed.length === 0)
      throw new PatchbayError("not_found", `project ${projectId} has no environment ${req.params.key}`);
    res.status(204).end();
  });

  return router;
}
