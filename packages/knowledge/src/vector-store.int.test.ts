import { randomUUID } from "node:crypto";
import { loadConfig } from "@patchbay/config";
import { MilvusClient } from "@zilliz/milvus2-sdk-node";
import { afterAll, describe, expect, it } from "vitest";
import { DocumentStore } from "./documents.js";
import { MilvusVectorStore } from "./milvus-store.js";
import { testPool, testProject } from "./test-support/db.js";
import type { ChunkDraft } from "./types.js";
import { PostgresVectorStore, type VectorStore } from "./vector-store.js";

const pool = testPool();
const documents = new DocumentStore(pool);
const cleanups: Array<() => Promise<void>> = [];
const milvusAddress = loadConfig().MILVUS_ADDRESS;

afterAll(async () => {
  for (const drop of cleanups.reverse()) await drop();
  await pool.end();
});

/** A unit vector pointing mostly along axis `i` of 4 dimensions. */
function axis(i: number, tilt = 0): number[] {
  const v = [0, 0, 0, 0].map((_, j) => (j === i ? 1 : tilt));
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
}

async function seed(projectId: string, path: string, count: number) {
  const drafts: ChunkDraft[] = Array.from({ length: count }, (_, i) => ({
    text: `${path} ${i}`,
    headingPath: [],
    startLine: i + 1,
    endLine: i + 1,
  }));
  const put = await documents.put({
    projectId,
    source: "upload",
    repo: "",
    path,
    contentHash: randomUUID(),
    bytes: 1,
    chunks: drafts,
  });
  return { documentId: put.document.id, chunkIds: put.chunks.map((c) => c.id) };
}

/** What every VectorStore must do; run against each implementation. */
function vectorStoreContract(makeStore: () => VectorStore) {
  const store = makeStore();

  it("returns the nearest chunks of the project, best first, exactly", async () => {
    const p = await testProject(pool, "vs");
    cleanups.push(p.drop);
    const doc = await seed(p.id, "a.md", 4);
    await store.upsert(
      p.id,
      doc.chunkIds.map((chunkId, i) => ({ chunkId, documentId: doc.documentId, embedding: axis(i) })),
    );
    const matches = await store.search({ projectId: p.id }, axis(2, 0.1), 2);
    expect(matches.map((m) => m.chunkId)).toEqual([doc.chunkIds[2], expect.any(String)]);
    expect(matches[0]?.score).toBeGreaterThan(0.9);
    expect(matches[0]?.score).toBeGreaterThan(matches[1]?.score ?? 1);
  });

  it("never returns another project's vectors", async () => {
    const [p, q] = [await testProject(pool, "vs-p"), await testProject(pool, "vs-q")];
    cleanups.push(p.drop, q.drop);
    const docP = await seed(p.id, "p.md", 1);
    const docQ = await seed(q.id, "q.md", 1);
    await store.upsert(p.id, [{ chunkId: docP.chunkIds[0] ?? "", documentId: docP.documentId, embedding: axis(0) }]);
    await store.upsert(q.id, [{ chunkId: docQ.chunkIds[0] ?? "", documentId: docQ.documentId, embedding: axis(0) }]);
    const matches = await store.search({ projectId: p.id }, axis(0), 10);
    expect(matches.map((m) => m.chunkId)).toEqual(docP.chunkIds);
  });

  it("forgets a document's and a project's vectors", async () => {
    const p = await testProject(pool, "vs-del");
    cleanups.push(p.drop);
    const one = await seed(p.id, "one.md", 1);
    const two = await seed(p.id, "two.md", 1);
    for (const d of [one, two]) {
      await store.upsert(p.id, [{ chunkId: d.chunkIds[0] ?? "", documentId: d.documentId, embedding: axis(1) }]);
    }
    await store.deleteDocument(p.id, one.documentId);
    if (store.name === "postgres") await documents.delete(p.id, one.documentId);
    expect((await store.search({ projectId: p.id }, axis(1), 10)).map((m) => m.chunkId)).toEqual(two.chunkIds);
    await store.deleteProject(p.id);
    if (store.name === "postgres") await documents.deleteProject(p.id);
    expect(await store.search({ projectId: p.id }, axis(1), 10)).toEqual([]);
  });
}

describe("VectorStore contract: PostgresVectorStore", () => {
  vectorStoreContract(() => new PostgresVectorStore(pool));
});

describe.skipIf(!milvusAddress)(
  `VectorStore contract: MilvusVectorStore${milvusAddress ? "" : " (skipped: MILVUS_ADDRESS is not set, no live Milvus to test against)"}`,
  () => {
    // describe.skipIf still collects this body: build the client only when there is a Milvus.
    if (!milvusAddress) {
      it.skip("needs a live Milvus: set MILVUS_ADDRESS (host:19530) to run these", () => {});
      return;
    }
    const client = new MilvusClient({ address: milvusAddress });
    const store = new MilvusVectorStore({ client, prefix: `patchbay_test_${randomUUID().slice(0, 8)}` });
    afterAll(async () => {
      await store.drop();
      await client.closeConnection();
    });
    vectorStoreContract(() => store);
  },
);
