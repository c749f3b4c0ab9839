import { execFile } from "node:child_process";
import { createHash, randomUUID } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { PatchbayError } from "@patchbay/core";
import type { SourceRepository } from "@patchbay/db";
import express, { Router } from "express";
import { authOf } from "../auth/index.js";

const run = promisify(execFile);

/** Default largest bundle `POST /v1/sources` accepts (it is stored in Postgres). */
export const DEFAULT_MAX_SOURCE_BYTES = 50 * 1024 * 1024;

const GIT_ENV = { PATH: "/usr/local/bin:/usr/bin:/bin", GIT_CONFIG_GLOBAL: "/dev/null", HOME: "/nonexistent" };

async function git(args: string[], cwd: string): Promise<string> {
  const { stdout } = await run("git", args, { cwd, env: GIT_ENV, timeout: 60_000, maxBuffer: 4 * 1024 * 1024 });
  return stdout;
}

/**
 * Checks that the bytes are a complete git bundle (no prerequisite commits: workers clone it
 * alone) by verifying it in an empty repository; returns the refs it carries.
 */
export async function verifyBundle(data: Buffer): Promise<Array<{ commit: string; ref: string }>> {
  const dir = await mkdtemp(path.join(tmpdir(), "patchbay-source-"));
  try {
    const file = path.join(dir, "upload.bundle");
    await writeFile(file, data);
    await git(["init", "-q", "repo"], dir);
    const repo = path.join(dir, "repo");
    await git(["bundle", "verify", "-q", file], repo).catch((err: { stderr?: string }) => {
      const why = String(err.stderr ?? "")
        .trim()
        .split("\n")
        .slice(-2)
        .join(" ")
        .slice(0, 300);
      throw new PatchbayError(
        "invalid_request",
        `not a complete git bundle (${why || "git bundle verify failed"}); make one with \`git bundle create x.bundle HEAD\``,
      );
    });
    const heads = (await git(["bundle", "list-heads", file], repo))
      .split("\n")
      .filter(Boolean)
      .map((line) => {
        const [commit = "", ref = ""] = line.split(" ");
        return { commit, ref };
      });
    if (heads.length === 0) throw new PatchbayError("invalid_request", "the bundle carries no refs");
    return heads;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** `/v1/sources`: upload a git bundle (body: the bundle's bytes) and read its metadata. */
export function sourcesRouter(deps: { sources: SourceRepository; maxBytes: number }): Router {
  const router = Router();
  const raw = express.raw({ type: () => true, limit: deps.maxBytes });

  router.post("/", raw, async (req, res) => {
    const data = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    if (data.length === 0) throw new PatchbayError("invalid_request", "the body must be a git bundle (its bytes)");
    const sha256 = createHash("sha256").update(data).digest("hex");
    const { projectId } = authOf(req);
    // The same bytes again (a retried CI step) are the same source: a retried submit with one
    // Idempotency-Key then sends the same JobSpec and gets its job back instead of a 409.
    // Those bytes were verified when first stored, so git runs only for new ones.
    const known = await deps.sources.findByContent(projectId, sha256);
    if (known) {
      res.status(200).location(`/v1/sources/${known.id}`).json(toSourceResource(known));
      return;
    }
    const heads = await verifyBundle(data);
    const source = await deps.sources.create({ id: randomUUID(), projectId, bytes: data.length, sha256, heads, data });
    res.status(201).location(`/v1/sources/${source.id}`).json(toSourceResource(source));
  });

  router.get("/:id", async (req, res) => {
    const id = req.params.id;
    const source = /^[0-9a-f-]{36}$/i.test(id) ? await deps.sources.find(authOf(req).projectId, id) : null;
    if (!source) throw new PatchbayError("not_found", `no source with id ${id}`);
    res.json(toSourceResource(source));
  });
  return router;
}

function toSourceResource(s: Awaited<ReturnType<SourceRepository["create"]>>) {
  return { id: s.id, bytes: s.bytes, sha256: s.sha256, heads: s.heads, createdAt: s.createdAt.toISOString() };
}
