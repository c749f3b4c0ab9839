-- CreateTable
CREATE TABLE "job_candidates" (
    "job_id" UUID NOT NULL,
    "n" INTEGER NOT NULL,
    "status" TEXT NOT NULL,
    "patch" TEXT NOT NULL DEFAULT '',
    "result" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "job_candidates_pkey" PRIMARY KEY ("job_id","n")
);

-- AddForeignKey
ALTER TABLE "job_candidates" ADD CONSTRAINT "job_candidates_job_id_fkey" FOREIGN KEY ("job_id") REFERENCES "jobs"("id") ON DELETE CASCADE ON UPDATE CASCADE;
