-- DropIndex
DROP INDEX "knowledge_documents_project_id_source_path_key";

-- AlterTable
ALTER TABLE "knowledge_chunks" ADD COLUMN     "embedded" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "repo" TEXT NOT NULL DEFAULT '';

-- AlterTable
ALTER TABLE "knowledge_documents" ADD COLUMN     "repo" TEXT NOT NULL DEFAULT '';

-- CreateIndex
CREATE INDEX "knowledge_chunks_project_id_embedded_idx" ON "knowledge_chunks"("project_id", "embedded");

-- CreateIndex
CREATE UNIQUE INDEX "knowledge_documents_project_id_source_repo_path_key" ON "knowledge_documents"("project_id", "source", "repo", "path");

-- Chunks whose embedding is already stored beside them (the Postgres vector store) are not pending.
UPDATE "knowledge_chunks" SET "embedded" = true WHERE cardinality("embedding") > 0;

-- Repository documents indexed so far belong to no known repository (one index per project was
-- overwritten by each of its repositories): dropped, the next job of each repository indexes it again.
DELETE FROM "knowledge_documents" WHERE "source" = 'repo';
