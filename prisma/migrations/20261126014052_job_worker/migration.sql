-- AlterTable
ALTER TABLE "jobs" ADD COLUMN     "worker_id" TEXT;
