import { PatchbayError, unstorableStringPath } from "@patchbay/core";
import { type ProjectRepository, SECRET_NAME_PATTERN, type SecretRepository } from "@patchbay/db";
import { type Request, Router } from "express";
import { z } from "zod";
import { authOf, requireScope } from "../auth/index.js";
import { invalidRequest } from "../http-errors.js";

const SecretBody = z
  .object({
    value: z
      .string({ error: "value is required: the secret as a string" })
      .min(8, "a secret must be at least 8 characters (shorter ones cannot be redacted from logs safely)")
      .max(65_536)
      .refine((v) => unstorableStringPath(v) === null, "value contains a NUL character or broken UTF-16"),
  })
  .strict();

/** The project in the path, when it is the caller's own; another project is a 404. */
export function ownProject(req: Request<{ projectId: string }>): string {
  const { projectId } = req.params;
  if (projectId !== authOf(req).projectId) throw new PatchbayError("not_found", `no project ${projectId}`);
  return projectId;
}

function secretName(req: Request<{ name: string }>): string {
  const { name } = req.params;
  if (!SECRET_NAME_PATTERN.test(name)) {
    throw new PatchbayError("invalid_request", "a secret name is an environment variable name: A-Z, 0-9 and _");
  }
  return name;
}

/** `/v1/projects/:projectId`: the project and its secrets (names only; values are write-only). Needs `admin`. */
export function projectsRouter(deps: { projects: ProjectRepository; secrets: SecretRepository }): Router {
  const router = Router();
  router.use("/:projectId", requireScope("admin"));

  router.get("/:projectId", async (req, res) => {
    const project = await deps.projects.find(ownProject(req));
    if (!project) throw new PatchbayError("not_found", `no project ${req.params.projectId}`);
    const secrets = await deps.secrets.list(project.id);
    res.json({
      id: project.id,
      maxRunningJobs: project.maxRunningJobs,
      maxQueuedJobs: project.maxQueuedJobs,
      createdAt: project.createdAt.toISOString(),
      secrets: secrets.map((s) => s.name),
    });
  });

  router.get("/:projectId/secrets", async (req, res) => {
    const secrets = await deps.secrets.list(ownProject(req));
    res.json({ data: secrets.map((s) => ({ name: s.name, updatedAt: s.updatedAt.toISOString() })) });
  });

  router.put("/:projectId/secrets/:name", async (req, res) => {
    const projectId = ownProject(req);
    const name = secretName(req);
    const body = SecretBody.safeParse(req.body ?? {});
    if (!body.success) throw invalidRequest("secret", body.error);
    const saved = await deps.secrets.put(projectId, name, body.data.value);
    res.json({ name: saved.name, updatedAt: saved.updatedAt.toISOString() });
  });

  router.delete("/:projectId/secrets/:name", async (req, res) => {
    const projectId = ownProject(req);
    const name = secretName(req);
    if (!(await deps.secrets.remove(projectId, name))) {
      throw new PatchbayError("not_found", `project ${projectId} has no secret ${name}`);
    }
    res.status(204).end();
  });

  return router;
}
