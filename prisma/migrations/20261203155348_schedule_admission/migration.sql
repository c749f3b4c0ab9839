-- AlterTable
ALTER TABLE "schedules" ADD COLUMN     "allow_overlap" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "last_error" JSONB,
ADD COLUMN     "skipped_runs" INTEGER NOT NULL DEFAULT 0;
