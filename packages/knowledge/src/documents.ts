import { randomUUID } from "node:crypto";
import { inTransaction, type Queryable, type TransactionPool } from "./sql.js";
import type { ChunkDraft, DocumentSource, KnowledgeDocumentInfo } from "./types.js";

/** What happened to an ingested document. */
export type IngestStatus = "created" | "updated" | "unchanged" | "duplicate";

export interface StoredChunk {
  id: string;
  draft: ChunkDraft;
}

export interface PutResult {
  status: IngestStatus;
  document: KnowledgeDocumentInfo;
  /** The chunks written (empty unless created or updated). */
  chunks: StoredChunk[];
  /** The id of the document whose chunks were replaced (updated only). */
  replacedDocumentId?: string;
}

interface DocumentRow {
  id: string;
  project_id: string;
  source: DocumentSource;
  repo: string;
  path: string;
  content_hash: string;
  version: number;
  bytes: number;
  chunks: number;
  created_at: Date;
  updated_at: Date;
}

const DOC_COLUMNS = `d.id, d.project_id, d.source, d.repo, d.path, d.content_hash, d.version, d.bytes, d.created_at, d.updated_at,
  (SELECT count(*)::int FROM knowledge_chunks c WHERE c.document_id = d.id) AS chunks`;

/** Documents and their chunks in Postgres. */
export class DocumentStore {
  constructor(private readonly pool: TransactionPool) {}

  /**
   * Stores a document and its chunks: the same content at the same path is left as is, the same
   * content under another path of the same source (and repository) is a duplicate (nothing
   * stored), changed content replaces the chunks and bumps the version.
   */
  async put(input: {
    projectId: string;
    source: DocumentSource;
    /** The repository of a `repo` document; "" for uploads. */
    repo: string;
    path: string;
    contentHash: string;
    bytes: number;
    chunks: ChunkDraft[];
  }): Promise<PutResult> {
    return inTransaction(this.pool, async (tx) => {
      const row = await lockDocument(tx, input);
      const isNew = row.version === 0;
      if (!isNew && row.content_hash === input.contentHash)
        return { status: "unchanged", document: toInfo(row), chunks: [] };
      if (isNew) {
        const twin = await findByHash(tx, input, input.contentHash);
        if (twin) {
          await tx.query("DELETE FROM knowledge_documents WHERE id = $1", [row.id]);
          return { status: "duplicate", document: toInfo(twin), chunks: [] };
        }
      }
      await tx.query("DELETE FROM knowledge_chunks WHERE document_id = $1", [row.id]);
      await tx.query(
        "UPDATE knowledge_documents SET content_hash = $2, bytes = $3, version = version + 1, updated_at = now() WHERE id = $1",
        [row.id, input.contentHash, input.bytes],
      );
      const chunks = await insertChunks(tx, row, input.chunks);
      const stored = await getDocument(tx, input.projectId, row.id);
      if (!stored) throw new Error(`document ${row.id} vanished inside its own transaction`);
      return isNew
        ? { status: "created", document: stored, chunks }
        : { status: "updated", document: stored, chunks, replacedDocumentId: row.id };
    });
  }

  /** The project's documents (of one source, of one repository), by path. */
  async list(projectId: string, source?: DocumentSource, repo?: string): Promise<KnowledgeDocumentInfo[]> {
    const { rows } = await this.pool.query<DocumentRow>(
      `SELECT ${DOC_COLUMNS} FROM knowledge_documents d
        WHERE d.project_id = $1 AND ($2::text IS NULL OR d.source = $2) AND ($3::text IS NULL OR d.repo = $3)
        ORDER BY d.source, d.repo, d.path`,
      [projectId, source ?? null, repo ?? null],
    );
    return rows.map(toInfo);
  }

  /** One document of the project, or null. */
  async get(projectId: string, documentId: string): Promise<KnowledgeDocumentInfo | null> {
    return getDocument(this.pool, projectId, documentId);
  }

  /** Deletes a document and its chunks; false when the project has no such document. */
  async delete(projectId: string, documentId: string): Promise<boolean> {
    const { rowCount } = await this.pool.query("DELETE FROM knowledge_documents WHERE project_id = $1 AND id = $2", [
      projectId,
      documentId,
    ]);
    return (rowCount ?? 0) > 0;
  }

  /** Deletes every document of the project (the project row deletes them too, by cascade). */
  async deleteProject(projectId: string): Promise<number> {
    const { rowCount } = await this.pool.query("DELETE FROM knowledge_documents WHERE project_id = $1", [projectId]);
    return rowCount ?? 0;
  }
}

/** Where a document lives: its project, source, repository ("" for uploads) and path. */
interface DocumentKey {
  projectId: string;
  source: DocumentSource;
  repo: string;
  path: string;
}

/**
 * Locks the row of (project, source, repo, path), inserting a placeholder (version 0, only ever
 * seen inside this transaction) when there is none, so that two first uploads of one path serialise.
 */
async function lockDocument(tx: Queryable, key: DocumentKey): Promise<DocumentRow> {
  await tx.query(
    `INSERT INTO knowledge_documents (id, project_id, source, repo, path, content_hash, bytes, version, updated_at)
     VALUES ($1, $2, $3, $4, $5, '', 0, 0, now()) ON CONFLICT (project_id, source, repo, path) DO NOTHING`,
    [randomUUID(), key.projectId, key.source, key.repo, key.path],
  );
  const { rows } = await tx.query<DocumentRow>(
    `SELECT ${DOC_COLUMNS} FROM knowledge_documents d
      WHERE d.project_id = $1 AND d.source = $2 AND d.repo = $3 AND d.path = $4 FOR UPDATE`,
    [key.projectId, key.source, key.repo, key.path],
  );
  const row = rows[0];
  if (!row) throw new Error(`knowledge document ${key.path} could not be locked`);
  return row;
}

async function findByHash(tx: Queryable, key: DocumentKey, hash: string): Promise<DocumentRow | null> {
  const { rows } = await tx.query<DocumentRow>(
    `SELECT ${DOC_COLUMNS} FROM knowledge_documents d
      WHERE d.project_id = $1 AND d.source = $2 AND d.repo = $3 AND d.content_hash = $4 AND d.version > 0
      ORDER BY d.created_at LIMIT 1`,
    [key.projectId, key.source, key.repo, hash],
  );
  return rows[0] ?? null;
}

async function getDocument(db: Queryable, projectId: string, id: string): Promise<KnowledgeDocumentInfo | null> {
  const { rows } = await db.query<DocumentRow>(
    `SELECT ${DOC_COLUMNS} FROM knowledge_documents d WHERE d.project_id = $1 AND d.id = $2`,
    [projectId, id],
  );
  return rows[0] ? toInfo(rows[0]) : null;
}

async function insertChunks(tx: Queryable, doc: DocumentRow, drafts: ChunkDraft[]): Promise<StoredChunk[]> {
  const chunks = drafts.map((draft) => ({ id: randomUUID(), draft }));
  if (chunks.length === 0) return chunks;
  const rows = chunks.map((c, ordinal) => ({
    id: c.id,
    ordinal,
    text: c.draft.text,
    heading_path: c.draft.headingPath,
    heading: c.draft.headingPath.join(" > "),
    start_line: c.draft.startLine,
    end_line: c.draft.endLine,
  }));
  await tx.query(
    `INSERT INTO knowledge_chunks (id, document_id, project_id, repo, ordinal, text, heading_path, heading, start_line, end_line)
     SELECT r.id, $1, $2, $3, r.ordinal, r.text, r.heading_path, r.heading, r.start_line, r.end_line
       FROM jsonb_to_recordset($4::jsonb) AS r(id uuid, ordinal int, text text, heading_path text[], heading text, start_line int, end_line int)`,
    [doc.id, doc.project_id, doc.repo, JSON.stringify(rows)],
  );
  return chunks;
}

function toInfo(row: DocumentRow): KnowledgeDocumentInfo {
  return {
    id: row.id,
    projectId: row.project_id,
    source: row.source,
    repo: row.repo === "" ? null : row.repo,
    path: row.path,
    contentHash: row.content_hash,
    version: row.version,
    bytes: row.bytes,
    chunks: row.chunks,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}
