import { PatchbayError } from "@patchbay/core";
import { ConsistencyLevelEnum, DataType, type MilvusClient } from "@zilliz/milvus2-sdk-node";
import type { SearchScope } from "./types.js";
import type { VectorItem, VectorMatch, VectorStore } from "./vector-store.js";

export interface MilvusStoreOptions {
  client: MilvusClient;
  /** Collections are per vector size (`<prefix>_<dims>`), so that changing the embeddings model starts a new one. */
  /** Collection name prefix (tests use a unique one). */
  prefix?: string;
}

// Ids and project names go into filter expressions: only characters that need no quoting.
const SAFE = /^[A-Za-z0-9_.:-]{1,128}$/;

/**
 * Embeddings in a Milvus collection with a FLAT index (exact search, cosine), filtered by
 * project. For knowledge bases that outgrow one Postgres machine; chunk text stays in Postgres.
 */
export class MilvusVectorStore implements VectorStore {
  readonly name = "milvus";
  private readonly ready = new Map<number, Promise<string>>();

  constructor(private readonly options: MilvusStoreOptions) {}

  /** Inserts or replaces the embeddings of the given chunks. */
  async upsert(projectId: string, items: VectorItem[]): Promise<void> {
    const dims = items[0]?.embedding.length;
    if (dims === undefined) return;
    const collection = await this.ensureCollection(dims);
    const data = items.map((i) => ({
      chunk_id: i.chunkId,
      project_id: safe(projectId),
      document_id: i.documentId,
      embedding: i.embedding,
    }));
    check(await this.options.client.upsert({ collection_name: collection, data }));
  }

  /**
   * Exact cosine search within the project (strong consistency: just-written vectors are found).
   * The collection holds no repository: a job's scope is applied when the hits are loaded.
   */
  async search(scope: SearchScope, embedding: number[], k: number): Promise<VectorMatch[]> {
    const collection = await this.ensureCollection(embedding.length);
    const res = await this.options.client.search({
      collection_name: collection,
      data: embedding,
      anns_field: "embedding",
      filter: `project_id == "${safe(scope.projectId)}"`,
      limit: k,
      metric_type: "COSINE",
      output_fields: ["chunk_id"],
      consistency_level: ConsistencyLevelEnum.Strong,
    });
    check(res);
    return res.results.map((r) => ({ chunkId: String(r.id), score: r.score }));
  }

  /** Deletes a document's embeddings. */
  async deleteDocument(projectId: string, documentId: string): Promise<void> {
    await this.deleteWhere(`project_id == "${safe(projectId)}" && document_id == "${safe(documentId)}"`);
  }

  /** Deletes a project's embeddings. */
  async deleteProject(projectId: string): Promise<void> {
    await this.deleteWhere(`project_id == "${safe(projectId)}"`);
  }

  /** Drops the collections this store used (tests). */
  async drop(): Promise<void> {
    for (const dims of this.ready.keys())
      await this.options.client.dropCollection({ collection_name: this.nameFor(dims) });
    this.ready.clear();
  }

  // Deletes go to every collection of the prefix that this process knows of.
  private async deleteWhere(filter: string): Promise<void> {
    for (const dims of this.ready.keys()) {
      const collection = await this.ensureCollection(dims);
      check(await this.options.client.delete({ collection_name: collection, filter }));
    }
  }

  private nameFor(dims: number): string {
    return `${this.options.prefix ?? "patchbay_knowledge"}_${dims}`;
  }

  private ensureCollection(dims: number): Promise<string> {
    let ready = this.ready.get(dims);
    if (!ready) {
      ready = this.createCollection(dims).catch((err: unknown) => {
        this.ready.delete(dims);
        throw err;
      });
      this.ready.set(dims, ready);
    }
    return ready;
  }

  private async createCollection(dims: number): Promise<string> {
    const client = this.options.client;
    const collection = this.nameFor(dims);
    const exists = await client.hasCollection({ collection_name: collection });
    if (!exists.value) {
      check(
        await client.createCollection({
          collection_name: collection,
          fields: [
            { name: "chunk_id", data_type: DataType.VarChar, is_primary_key: true, max_length: 64 },
            { name: "project_id", data_type: DataType.VarChar, max_length: 128, is_partition_key: true },
            { name: "document_id", data_type: DataType.VarChar, max_length: 64 },
            { name: "embedding", data_type: DataType.FloatVector, dim: dims },
          ],
        }),
      );
      check(
        await client.createIndex({
          collection_name: collection,
          field_name: "embedding",
          index_type: "FLAT",
          metric_type: "COSINE",
        }),
      );
    }
    check(await client.loadCollectionSync({ collection_name: collection }));
    return collection;
  }
}

function safe(value: string): string {
  if (!SAFE.test(value))
    throw new PatchbayError("invalid_request", `not usable as a Milvus filter value: ${JSON.stringify(value)}`);
  return value;
}

function check(
  res:
    | { status?: { error_code?: string | number; reason?: string } }
    | { error_code?: string | number; reason?: string },
): void {
  const status =
    "status" in res && res.status ? res.status : (res as { error_code?: string | number; reason?: string });
  if (status.error_code !== undefined && status.error_code !== "Success" && status.error_code !== 0) {
    throw new PatchbayError("unavailable", `Milvus: ${status.reason ?? String(status.error_code)}`);
  }
}
