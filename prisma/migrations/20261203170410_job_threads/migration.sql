-- AlterTable
ALTER TABLE "jobs" ADD COLUMN     "parent_id" UUID,
ADD COLUMN     "root_id" UUID,
ADD COLUMN     "step_patch" TEXT;

-- CreateIndex
CREATE INDEX "jobs_root_id_created_at_idx" ON "jobs"("root_id", "created_at");
