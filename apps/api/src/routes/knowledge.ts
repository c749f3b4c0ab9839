import { PatchbayError, unstorableStringPath } from "@patchbay/core";
import { DOCUMENT_SOURCES, type KnowledgeBase } from "@patchbay/knowledge";
import express, { type Request, Router } from "express";
import { z } from "zod";
import { authOf, jobsScope, requireScope } from "../auth/index.js";
import { invalidRequest } from "../http-errors.js";

// Postgres stores neither: refused here with a 400 rather than failing the insert or query with a 500.
const storable = (what: string) =>
  [
    (s: string) => unstorableStringPath(s) === null,
    { message: `${what} contains a NUL character or a lone UTF-16 surrogate; remove it` },
  ] as const;

const UploadBody = z
  .object({
    path: z
      .string({ error: "path is required: the document's name, e.g. runbooks/deploy.md" })
      .min(1)
      .max(500)
      .refine(...storable("path")),
    content: z
      .string({ error: "content is required: the document's text (Markdown, plain text or HTML)" })
      .refine(...storable("content")),
    contentType: z
      .string()
      .max(100)
      .refine(...storable("contentType"))
      .optional(),
  })
  .strict();

const SearchBody = z
  .object({
    query: z
      .string({ error: "query is required" })
      .trim()
      .min(1, "query may not be empty")
      .max(2000)
      .refine(...storable("query")),
    k: z.number().int().min(1).max(50).default(5),
    mode: z.enum(["any", "all"]).optional(),
  })
  .strict();

const ListQuery = z.object({ source: z.enum(DOCUMENT_SOURCES).optional() });

/** The project in the path, when it is the caller's own; another project is a 404. */
function ownProject(req: Request<{ projectId: string }>): string {
  const { projectId } = req.params;
  if (projectId !== authOf(req).projectId) throw new PatchbayError("not_found", `no project ${projectId}`);
  return projectId;
}

const readScope = requireScope("jobs:read");

/**
 * `/v1/projects/:projectId/docs` and `/search`: the project's knowledge base. Uploads are JSON
 * `{path, content, contentType?}` or a text body (`text/markdown`, `text/plain`, `text/html`) with `?path=`.
 */
export function knowledgeRouter(deps: { knowledge: KnowledgeBase | null; maxDocumentBytes: number }): Router {
  const router = Router();
  const kb = (): KnowledgeBase => {
    if (!deps.knowledge) throw new PatchbayError("unavailable", "the knowledge base is not configured on this server");
    return deps.knowledge;
  };
  // Scopes per route, not by inspecting req.path: inside router.use the path is cut to what
  // follows the mount point, which is how search once demanded jobs:write.
  router.use("/:projectId/docs", jobsScope);
  // Search is a POST but only reads.
  router.use("/:projectId/search", readScope);
  router.use("/:projectId/docs", express.text({ type: "text/*", limit: deps.maxDocumentBytes + 1024 }));

  router.post("/:projectId/docs", async (req, res) => {
    const projectId = ownProject(req);
    const input = typeof req.body === "string" ? textUpload(req) : UploadBody.safeParse(req.body ?? {});
    if (!input.success) throw invalidRequest("document", input.error);
    const result = await kb().ingest({ projectId, source: "upload", ...input.data });
    res.status(result.status === "created" || result.status === "updated" ? 201 : 200).json(result);
  });

  router.get("/:projectId/docs", async (req, res) => {
    const projectId = ownProject(req);
    const query = ListQuery.safeParse(req.query);
    if (!query.success) throw invalidRequest("query", query.error);
    res.json({ data: await kb().list(projectId, query.data.source) });
  });

  router.get("/:projectId/docs/:docId", async (req, res) => {
    const doc = await kb().get(ownProject(req), uuid(req.params.docId));
    if (!doc) throw new PatchbayError("not_found", `no document ${req.params.docId}`);
    res.json(doc);
  });

  router.delete("/:projectId/docs/:docId", async (req, res) => {
    if (!(await kb().delete(ownProject(req), uuid(req.params.docId)))) {
      throw new PatchbayError("not_found", `no document ${req.params.docId}`);
    }
    res.status(204).end();
  });

  router.post("/:projectId/search", async (req, res) => {
    const projectId = ownProject(req);
    const body = SearchBody.safeParse(req.body ?? {});
    if (!body.success) throw invalidRequest("search", body.error);
    const { query, k, mode } = body.data;
    res.json(await kb().search(projectId, query, { k, ...(mode ? { mode } : {}) }));
  });

  return router;
}

function textUpload(req: Request) {
  const path = typeof req.query.path === "string" ? req.query.path : undefined;
  return UploadBody.safeParse({ path, content: req.body, contentType: req.get("content-type") });
}

function uuid(id: string): string {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id))
    throw new PatchbayError("not_found", `no document ${id}`);
  return id;
}
