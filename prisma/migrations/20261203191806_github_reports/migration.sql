-- CreateTable
CREATE TABLE "github_reports" (
    "job_id" UUID NOT NULL,
    "start_comment_id" BIGINT,
    "finish_comment_id" BIGINT,
    "check_run_id" BIGINT,
    "commit_report" TEXT,
    "pull_number" INTEGER,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "github_reports_pkey" PRIMARY KEY ("job_id")
);

-- AddForeignKey
ALTER TABLE "github_reports" ADD CONSTRAINT "github_reports_job_id_fkey" FOREIGN KEY ("job_id") REFERENCES "jobs"("id") ON DELETE CASCADE ON UPDATE CASCADE;
