import {
  type BestOfN,
  type CandidateResult,
  type JobResult,
  type NewEvent,
  PatchbayError,
  storableJson,
  storableText,
} from "@patchbay/core";
import type { Db } from "./client.js";
import { appendEventsInTx } from "./event-repository.js";
import type { Prisma } from "./generated/prisma/client.js";

/** A stored attempt of a best-of-N job: its result and its patch. */
export type CandidateRecord = CandidateResult & { patch: string };

/** The attempts of best-of-N jobs (JobSpec attempts > 1), and a person's choice among them. */
export class CandidateRepository {
  constructor(private readonly db: Db) {}

  /** Stores the job's attempts (a retried run replaces what an earlier run stored). */
  async save(jobId: string, candidates: CandidateRecord[]): Promise<void> {
    await this.db.$transaction(async (tx) => {
      await tx.jobCandidate.deleteMany({ where: { jobId } });
      await tx.jobCandidate.createMany({
        data: candidates.map(({ n, status, patch, ...result }) => ({
          jobId,
          n,
          status,
          patch: storableText(patch),
          result: storableJson(result).value as unknown as Prisma.InputJsonValue,
        })),
      });
    });
  }

  /** The job's attempts, by number. */
  async list(jobId: string): Promise<CandidateRecord[]> {
    const rows = await this.db.jobCandidate.findMany({ where: { jobId }, orderBy: { n: "asc" } });
    return rows.map((row) => ({
      ...(row.result as unknown as Omit<CandidateResult, "n" | "status">),
      n: row.n,
      status: row.status === "failed" ? "failed" : "finished",
      patch: row.patch,
    }));
  }

  /**
   * Makes attempt `n` the job's outcome: its patch, summary, checks and hidden result replace the
   * job's (usage stays the sum of every attempt), `bestOfN.selectedBy` becomes "person", and a log
   * event records the choice. Only for a succeeded best-of-N job and a finished attempt.
   */
  async select(jobId: string, n: number): Promise<{ result: JobResult; patch: string }> {
    return this.db.$transaction(async (tx) => {
      const job = await tx.job.findUnique({ where: { id: jobId } });
      const result = job?.result as unknown as JobResult | null;
      const best = result?.bestOfN;
      if (!job || !result || !best) throw new PatchbayError("conflict", `job ${jobId} has no attempts to choose from`);
      if (job.status !== "succeeded")
        throw new PatchbayError(
          "conflict",
          `job ${jobId} is ${job.status}: an attempt can be selected once it succeeded`,
        );
      if (result.push)
        throw new PatchbayError(
          "conflict",
          `job ${jobId} already pushed attempt ${best.selected} to ${result.push.branch}; submit a follow-up to change it`,
        );
      const row = await tx.jobCandidate.findUnique({ where: { jobId_n: { jobId, n } } });
      if (!row) throw new PatchbayError("not_found", `job ${jobId} has no attempt ${n} (it ran ${best.attempts})`);
      if (row.status !== "finished")
        throw new PatchbayError("conflict", `attempt ${n} of job ${jobId} failed: it has no checked patch to select`);
      const next = selectedResult(result, row.result as unknown as CandidateResult, { ...best, selected: n });
      const value = storableJson(next).value as unknown as Prisma.InputJsonValue;
      await tx.job.update({ where: { id: jobId }, data: { result: value, patch: row.patch } });
      const text = `attempt ${n} selected by a person (the checks ranked attempt ${best.winner} first)\n`;
      const event: NewEvent = { type: "log", data: { stream: "stdout", text, source: "api" } };
      await appendEventsInTx(tx, jobId, [event]);
      return { result: next, patch: row.patch };
    });
  }
}

/** The job's result with attempt `c`'s own fields in place of the previous choice's. */
function selectedResult(result: JobResult, c: CandidateResult, best: BestOfN): JobResult {
  const { hidden: _h, explanation: _e, verification: _v, verificationNotes: _vn, secretsInPatch: _s, ...rest } = result;
  return {
    ...rest,
    summary: c.summary,
    patchStats: c.patchStats,
    checks: c.checks,
    ...(c.hidden ? { hidden: c.hidden } : {}),
    ...(c.explanation ? { explanation: c.explanation } : {}),
    ...(c.verification ? { verification: c.verification } : {}),
    bestOfN: { ...best, selectedBy: "person" },
  };
}
