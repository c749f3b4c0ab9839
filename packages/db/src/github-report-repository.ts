import type { Db } from "./client.js";

/** The GitHub ids of what Patchbay posted for a job (absent: not posted yet). */
export interface GithubReportIds {
  startCommentId?: number;
  finishCommentId?: number;
  checkRunId?: number;
  /** What the job's commit carries: a check run, or a commit status (no id: it is keyed by context). */
  commitReport?: "check_run" | "status";
  pullNumber?: number;
}

/** Stores what the GitHub round trip posted per job, so a retry edits it instead of posting again. */
export class GithubReportRepository {
  constructor(private readonly db: Db) {}

  /** The ids recorded for the job (empty when nothing was posted). */
  async find(jobId: string): Promise<GithubReportIds> {
    const row = await this.db.githubReport.findUnique({ where: { jobId } });
    if (!row) return {};
    const ids: GithubReportIds = {};
    if (row.startCommentId !== null) ids.startCommentId = Number(row.startCommentId);
    if (row.finishCommentId !== null) ids.finishCommentId = Number(row.finishCommentId);
    if (row.checkRunId !== null) ids.checkRunId = Number(row.checkRunId);
    if (row.commitReport === "check_run" || row.commitReport === "status") ids.commitReport = row.commitReport;
    if (row.pullNumber !== null) ids.pullNumber = row.pullNumber;
    return ids;
  }

  /** Records ids (merged with those already stored). */
  async save(jobId: string, ids: GithubReportIds): Promise<void> {
    const data = {
      ...(ids.startCommentId !== undefined ? { startCommentId: BigInt(ids.startCommentId) } : {}),
      ...(ids.finishCommentId !== undefined ? { finishCommentId: BigInt(ids.finishCommentId) } : {}),
      ...(ids.checkRunId !== undefined ? { checkRunId: BigInt(ids.checkRunId) } : {}),
      ...(ids.commitReport !== undefined ? { commitReport: ids.commitReport } : {}),
      ...(ids.pullNumber !== undefined ? { pullNumber: ids.pullNumber } : {}),
    };
    await this.db.githubReport.upsert({ where: { jobId }, create: { jobId, ...data }, update: data });
  }

  /** Takes the job's finished report (the worker that finished it, at once): sweeps leave it alone. */
  async claim(jobId: string): Promise<void> {
    const now = new Date();
    await this.db.githubReport.upsert({ where: { jobId }, create: { jobId, sweptAt: now }, update: { sweptAt: now } });
  }

  /** Records that the job's finished report is done (or was given up): no sweep takes it again. */
  async markReported(jobId: string): Promise<void> {
    const now = new Date();
    await this.db.githubReport.upsert({
      where: { jobId },
      create: { jobId, reportedAt: now },
      update: { reportedAt: now },
    });
  }

  /**
   * Claims finished jobs whose GitHub report never ran (finished by the API while queued, or
   * their worker died): finished between `since` and `finishedBefore`, asking for a PR or made from
   * GitHub, not reported, and not claimed since `staleBefore`. Atomic: two workers sweeping at
   * once never claim the same job.
   */
  async claimUnreported(options: {
    since: Date;
    finishedBefore: Date;
    staleBefore: Date;
    limit?: number;
    /** Only this project's jobs (default: every project's). */
    projectId?: string;
    /** Only this queue's jobs (default: every queue's). */
    queue?: string;
  }): Promise<string[]> {
    const { since, finishedBefore, staleBefore } = options;
    const project = options.projectId ?? null;
    const queue = options.queue ?? null;
    const rows = await this.db.$queryRaw<Array<{ id: string }>>`
      WITH candidates AS (
        SELECT j.id FROM jobs j
        WHERE j.finished_at >= ${since} AND j.finished_at < ${finishedBefore}
          AND (${project}::text IS NULL OR j.project_id = ${project})
          AND (${queue}::text IS NULL OR j.queue = ${queue})
          AND (j.spec->'metadata'->'github' IS NOT NULL OR j.spec->'output'->>'pullRequest' = 'true')
          AND NOT EXISTS (SELECT 1 FROM github_reports r WHERE r.job_id = j.id
            AND (r.reported_at IS NOT NULL OR r.swept_at >= ${staleBefore}))
        ORDER BY j.finished_at LIMIT ${options.limit ?? 20})
      INSERT INTO github_reports (job_id, swept_at, updated_at)
      SELECT id, now(), now() FROM candidates
      ON CONFLICT (job_id) DO UPDATE SET swept_at = now(), updated_at = now()
        WHERE github_reports.reported_at IS NULL
          AND (github_reports.swept_at IS NULL OR github_reports.swept_at < ${staleBefore})
      RETURNING job_id::text AS id`;
    return rows.map((r) => r.id);
  }
}
