-- CreateTable
CREATE TABLE "baselines" (
    "project_id" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "runs" JSONB NOT NULL,
    "job_id" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "baselines_pkey" PRIMARY KEY ("project_id","key")
);

-- CreateIndex
CREATE INDEX "baselines_expires_at_idx" ON "baselines"("expires_at");

-- AddForeignKey
ALTER TABLE "baselines" ADD CONSTRAINT "baselines_project_id_fkey" FOREIGN KEY ("project_id") REFERENCES "projects"("id") ON DELETE CASCADE ON UPDATE CASCADE;
