-- AlterTable
ALTER TABLE "github_reports" ADD COLUMN     "reported_at" TIMESTAMPTZ(3),
ADD COLUMN     "swept_at" TIMESTAMPTZ(3);
