-- AlterTable
ALTER TABLE "schedules" ADD COLUMN     "queue" TEXT NOT NULL DEFAULT 'patchbay-jobs';
