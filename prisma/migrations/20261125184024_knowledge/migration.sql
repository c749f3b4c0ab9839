-- CreateTable
CREATE TABLE "knowledge_documents" (
    "id" UUID NOT NULL,
    "project_id" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "path" TEXT NOT NULL,
    "content_hash" TEXT NOT NULL,
    "version" INTEGER NOT NULL DEFAULT 1,
    "bytes" INTEGER NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "knowledge_documents_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "knowledge_chunks" (
    "id" UUID NOT NULL,
    "document_id" UUID NOT NULL,
    "project_id" TEXT NOT NULL,
    "ordinal" INTEGER NOT NULL,
    "text" TEXT NOT NULL,
    "heading_path" TEXT[],
    "heading" TEXT NOT NULL DEFAULT '',
    "start_line" INTEGER NOT NULL,
    "end_line" INTEGER NOT NULL,
    -- Edited by hand: Prisma cannot express a generated column. Heading words weigh more than body words.
    "tsv" tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('english'::regconfig, "heading"), 'A') || setweight(to_tsvector('english'::regconfig, "text"), 'B')
    ) STORED,
    "embedding" REAL[],

    CONSTRAINT "knowledge_chunks_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "knowledge_documents_project_id_content_hash_idx" ON "knowledge_documents"("project_id", "content_hash");

-- CreateIndex
CREATE UNIQUE INDEX "knowledge_documents_project_id_source_path_key" ON "knowledge_documents"("project_id", "source", "path");

-- CreateIndex
CREATE INDEX "knowledge_chunks_project_id_idx" ON "knowledge_chunks"("project_id");

-- CreateIndex
CREATE INDEX "knowledge_chunks_tsv_idx" ON "knowledge_chunks" USING GIN ("tsv");

-- CreateIndex
CREATE UNIQUE INDEX "knowledge_chunks_document_id_ordinal_key" ON "knowledge_chunks"("document_id", "ordinal");

-- AddForeignKey
ALTER TABLE "knowledge_documents" ADD CONSTRAINT "knowledge_documents_project_id_fkey" FOREIGN KEY ("project_id") REFERENCES "projects"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "knowledge_chunks" ADD CONSTRAINT "knowledge_chunks_document_id_fkey" FOREIGN KEY ("document_id") REFERENCES "knowledge_documents"("id") ON DELETE CASCADE ON UPDATE CASCADE;
