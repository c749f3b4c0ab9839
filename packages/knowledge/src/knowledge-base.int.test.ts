import { startScriptedModelServer } from "@patchbay/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OpenAIEmbedder } from "./embeddings.js";
import { KnowledgeBase } from "./knowledge-base.js";
import { testPool, testProject } from "./test-support/db.js";

const pool = testPool();
const kb = new KnowledgeBase({ pool });
const cleanups: Array<() => Promise<void>> = [];

async function project(label: string): Promise<string> {
  const p = await testProject(pool, label);
  cleanups.push(p.drop);
  return p.id;
}

const RUNBOOK = [
  "# Runbook",
  "",
  "## Deploying",
  "Run `make deploy` from the release branch. Deploys need the on-call engineer's approval.",
  "",
  "## Rolling back",
  "Use `make rollback VERSION=<tag>`; the database migrations are not reverted automatically.",
  "",
  "## Paging",
  "Page the on-call engineer through the incident channel.",
].join("\n");

afterAll(async () => {
  for (const drop of cleanups) await drop();
  await pool.end();
});

describe("KnowledgeBase (Postgres)", () => {
  it("ingests Markdown and finds the section that answers a question, with path and lines", async () => {
    const projectId = await project("search");
    const result = await kb.ingest({ projectId, source: "upload", path: "ops/runbook.md", content: RUNBOOK });
    expect(result).toMatchObject({ status: "created", document: { version: 1, chunks: 3, path: "ops/runbook.md" } });
    const { hits, retrieval } = await kb.search(projectId, "how do I roll back a bad release?");
    expect(retrieval).toBe("fulltext");
    expect(hits[0]).toMatchObject({
      path: "ops/runbook.md",
      headingPath: ["Runbook", "Rolling back"],
      startLine: 6,
      endLine: 7,
    });
    expect(hits[0]?.text).toContain("make rollback");
  });

  it("leaves the same content alone, skips a duplicate under another path, and versions a changed upload", async () => {
    const projectId = await project("versions");
    const first = await kb.ingest({ projectId, source: "upload", path: "runbook.md", content: RUNBOOK });
    const again = await kb.ingest({ projectId, source: "upload", path: "runbook.md", content: RUNBOOK });
    expect(again).toMatchObject({ status: "unchanged", document: { id: first.document.id, version: 1 } });
    const twin = await kb.ingest({ projectId, source: "upload", path: "copy.md", content: RUNBOOK });
    expect(twin).toMatchObject({ status: "duplicate", document: { id: first.document.id } });
    expect(await kb.list(projectId)).toHaveLength(1);

    const changed = RUNBOOK.replace("make rollback", "bin/revert-release").replace(
      "## Paging\nPage the on-call engineer through the incident channel.",
      "",
    );
    const updated = await kb.ingest({ projectId, source: "upload", path: "runbook.md", content: changed });
    expect(updated).toMatchObject({ status: "updated", document: { id: first.document.id, version: 2, chunks: 2 } });
    expect((await kb.search(projectId, "make rollback", { mode: "all" })).hits).toEqual([]);
    const { hits } = await kb.search(projectId, "revert release");
    expect(hits[0]?.text).toContain("bin/revert-release");
    expect(hits[0]?.version).toBe(2);
    const { rows } = await pool.query("SELECT count(*)::int AS n FROM knowledge_chunks WHERE document_id = $1", [
      first.document.id,
    ]);
    expect(rows[0].n).toBe(2);
  });

  it("keeps projects apart and deletes documents with their project", async () => {
    const a = await project("tenant-a");
    const b = await testProject(pool, "tenant-b");
    await kb.ingest({ projectId: b.id, source: "upload", path: "runbook.md", content: RUNBOOK });
    expect((await kb.search(a, "rollback")).hits).toEqual([]);
    expect((await kb.search(b.id, "rollback")).hits.length).toBeGreaterThan(0);
    await b.drop();
    const { rows } = await pool.query("SELECT count(*)::int AS n FROM knowledge_chunks WHERE project_id = $1", [b.id]);
    expect(rows[0].n).toBe(0);
  });

  it("deletes one document and its chunks", async () => {
    const projectId = await project("delete");
    const { document } = await kb.ingest({ projectId, source: "upload", path: "r.md", content: RUNBOOK });
    expect(await kb.delete(projectId, document.id)).toBe(true);
    expect(await kb.delete(projectId, document.id)).toBe(false);
    expect((await kb.search(projectId, "rollback")).hits).toEqual([]);
  });

  it("refuses documents past the size limit and binary content", async () => {
    const small = new KnowledgeBase({ pool, maxDocumentBytes: 100 });
    await expect(
      small.ingest({ projectId: "x", source: "upload", path: "big.md", content: "x".repeat(101) }),
    ).rejects.toMatchObject({
      code: "invalid_request",
    });
    await expect(
      kb.ingest({ projectId: "x", source: "upload", path: "b.bin", content: "a\u0000b" }),
    ).rejects.toMatchObject({
      code: "invalid_request",
    });
  });
});

describe("KnowledgeBase with embeddings (stand-in model server)", () => {
  let server: Awaited<ReturnType<typeof startScriptedModelServer>>;
  beforeAll(async () => {
    server = await startScriptedModelServer();
  });
  afterAll(async () => {
    await server.close();
  });

  it("stores an embedding per chunk and fuses vector and full-text results", async () => {
    const projectId = await project("hybrid");
    const embedder = new OpenAIEmbedder({ model: "text-embedding-3-small", baseURL: server.url, apiKey: "test" });
    const hybrid = new KnowledgeBase({ pool, embedder });
    const result = await hybrid.ingest({ projectId, source: "upload", path: "runbook.md", content: RUNBOOK });
    expect(result.embedded).toBe(3);
    const { rows } = await pool.query(
      "SELECT cardinality(embedding) AS dims FROM knowledge_chunks WHERE project_id = $1",
      [projectId],
    );
    expect(rows.map((r) => r.dims)).toEqual([256, 256, 256]);
    const { hits, retrieval } = await hybrid.search(projectId, "page the on-call engineer", { k: 2 });
    expect(retrieval).toBe("hybrid");
    expect(hits[0]?.headingPath).toEqual(["Runbook", "Paging"]);
    expect(server.requests.some((r) => r.path === "/v1/embeddings")).toBe(true);
  });

  it("embeds documents uploaded before the embeddings model was set, in bounded steps, and says how many are pending", async () => {
    const projectId = await project("pending");
    // Uploaded while no embeddings model was configured: full-text only.
    await kb.ingest({ projectId, source: "upload", path: "runbook.md", content: RUNBOOK });
    const embedder = new OpenAIEmbedder({ model: "text-embedding-3-small", baseURL: server.url, apiKey: "test" });
    const hybrid = new KnowledgeBase({ pool, embedder });
    const before = await hybrid.search(projectId, "page the on-call engineer", { k: 3 });
    expect(before).toMatchObject({ retrieval: "hybrid", pendingEmbeddings: 3 });
    // Without a model nothing is pending: nothing would embed it.
    expect((await kb.search(projectId, "rollback")).pendingEmbeddings).toBeUndefined();

    expect(await hybrid.embedPending({ projectId, maxChunks: 2, batchSize: 1 })).toBe(2);
    expect((await hybrid.search(projectId, "rollback")).pendingEmbeddings).toBe(1);
    expect(await hybrid.embedPending({ projectId })).toBe(1);
    expect(await hybrid.embedPending({ projectId })).toBe(0);
    expect((await hybrid.search(projectId, "rollback")).pendingEmbeddings).toBe(0);
    const { rows } = await pool.query(
      "SELECT cardinality(embedding) AS dims, embedded FROM knowledge_chunks WHERE project_id = $1",
      [projectId],
    );
    expect(rows).toEqual([1, 2, 3].map(() => ({ dims: 256, embedded: true })));
    const { hits, retrieval } = await hybrid.search(projectId, "page the on-call engineer", { k: 1 });
    expect({ retrieval, heading: hits[0]?.headingPath }).toEqual({
      retrieval: "hybrid",
      heading: ["Runbook", "Paging"],
    });
  });

  it("leaves chunks pending when the embeddings endpoint fails at upload, for the background to embed", async () => {
    const projectId = await project("pending-after-failure");
    const down = new KnowledgeBase({
      pool,
      embedder: new OpenAIEmbedder({ model: "m", baseURL: "http://127.0.0.1:9/v1", maxRetries: 0 }),
    });
    const result = await down.ingest({ projectId, source: "upload", path: "runbook.md", content: RUNBOOK });
    expect(result.warning).toMatch(/full-text search only/);
    await expect(down.embedPending({ projectId })).rejects.toThrow();
    const embedder = new OpenAIEmbedder({ model: "text-embedding-3-small", baseURL: server.url, apiKey: "test" });
    const up = new KnowledgeBase({ pool, embedder });
    expect((await up.search(projectId, "rollback")).pendingEmbeddings).toBe(3);
    expect(await up.embedPending({ projectId })).toBe(3);
    expect((await up.search(projectId, "rollback")).pendingEmbeddings).toBe(0);
  });

  it("falls back to full-text search when the embeddings endpoint is down", async () => {
    const projectId = await project("fallback");
    await kb.ingest({ projectId, source: "upload", path: "runbook.md", content: RUNBOOK });
    const down = new KnowledgeBase({
      pool,
      embedder: new OpenAIEmbedder({ model: "m", baseURL: "http://127.0.0.1:9/v1", maxRetries: 0 }),
    });
    const { hits, retrieval, warning } = await down.search(projectId, "rollback");
    expect(retrieval).toBe("fulltext");
    expect(warning).toMatch(/vector search failed/);
    expect(hits.length).toBeGreaterThan(0);
  });
});
