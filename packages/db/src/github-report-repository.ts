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
}
