-- AlterTable
ALTER TABLE "jobs" ADD COLUMN     "queue" TEXT NOT NULL DEFAULT 'patchbay-jobs';
