-- AlterTable
ALTER TABLE "job_notifications" ADD COLUMN     "delivery_id" UUID NOT NULL DEFAULT gen_random_uuid(),
ADD COLUMN     "event" TEXT NOT NULL DEFAULT 'job.finished';

-- AlterTable
ALTER TABLE "notification_attempts" ADD COLUMN     "trigger" TEXT NOT NULL DEFAULT 'delivery';

-- CreateIndex
CREATE UNIQUE INDEX "job_notifications_delivery_id_key" ON "job_notifications"("delivery_id");
