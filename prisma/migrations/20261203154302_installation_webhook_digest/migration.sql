-- AlterTable
ALTER TABLE "webhook_deliveries" ADD COLUMN     "body_sha256" TEXT;

-- CreateTable
CREATE TABLE "settings" (
    "key" TEXT NOT NULL,
    "value" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "settings_pkey" PRIMARY KEY ("key")
);

-- CreateIndex
CREATE INDEX "webhook_deliveries_project_id_body_sha256_idx" ON "webhook_deliveries"("project_id", "body_sha256");
