-- AlterTable
ALTER TABLE "projects" ADD COLUMN     "environment" JSONB;

-- CreateTable
CREATE TABLE "environments" (
    "project_id" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "image" TEXT NOT NULL,
    "base_image" TEXT NOT NULL,
    "repo_url" TEXT NOT NULL,
    "size_bytes" BIGINT NOT NULL,
    "build_ms" INTEGER NOT NULL,
    "hits" INTEGER NOT NULL DEFAULT 0,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_used_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "environments_pkey" PRIMARY KEY ("project_id","key")
);

-- CreateIndex
CREATE INDEX "environments_last_used_at_idx" ON "environments"("last_used_at");

-- AddForeignKey
ALTER TABLE "environments" ADD CONSTRAINT "environments_project_id_fkey" FOREIGN KEY ("project_id") REFERENCES "projects"("id") ON DELETE CASCADE ON UPDATE CASCADE;
