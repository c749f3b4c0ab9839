-- DropIndex
DROP INDEX "jobs_idempotency_key_key";

-- AlterTable
ALTER TABLE "jobs" ADD COLUMN     "project_id" TEXT NOT NULL DEFAULT 'default';

-- CreateTable
CREATE TABLE "projects" (
    "id" TEXT NOT NULL,
    "max_running_jobs" INTEGER,
    "max_queued_jobs" INTEGER,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "projects_pkey" PRIMARY KEY ("id")
);

-- Every job row from before projects existed belongs to the `default` project.
INSERT INTO "projects" ("id") VALUES ('default') ON CONFLICT DO NOTHING;

-- CreateTable
CREATE TABLE "api_keys" (
    "prefix" TEXT NOT NULL,
    "project_id" TEXT NOT NULL,
    "hash" TEXT NOT NULL,
    "scopes" TEXT[],
    "name" TEXT,
    "rate_limit_per_min" INTEGER,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_used_at" TIMESTAMPTZ(3),
    "revoked_at" TIMESTAMPTZ(3),

    CONSTRAINT "api_keys_pkey" PRIMARY KEY ("prefix")
);

-- CreateTable
CREATE TABLE "project_secrets" (
    "project_id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "value" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "project_secrets_pkey" PRIMARY KEY ("project_id","name")
);

-- CreateIndex
CREATE INDEX "api_keys_project_id_idx" ON "api_keys"("project_id");

-- CreateIndex
CREATE INDEX "jobs_project_id_status_idx" ON "jobs"("project_id", "status");

-- CreateIndex
CREATE INDEX "jobs_project_id_created_at_id_idx" ON "jobs"("project_id", "created_at" DESC, "id");

-- CreateIndex
CREATE UNIQUE INDEX "jobs_project_id_idempotency_key_key" ON "jobs"("project_id", "idempotency_key");

-- AddForeignKey
ALTER TABLE "jobs" ADD CONSTRAINT "jobs_project_id_fkey" FOREIGN KEY ("project_id") REFERENCES "projects"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_project_id_fkey" FOREIGN KEY ("project_id") REFERENCES "projects"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "project_secrets" ADD CONSTRAINT "project_secrets_project_id_fkey" FOREIGN KEY ("project_id") REFERENCES "projects"("id") ON DELETE CASCADE ON UPDATE CASCADE;
