import { randomUUID } from "node:crypto";
import type { JobResult, NewEvent } from "@patchbay/core";
import { type Db, JobEventRepository } from "@patchbay/db";

/** A result with nothing in it, for finished jobs written straight to the database. */
export const EMPTY_RESULT: JobResult = {
  summary: null,
  patchStats: { files: 0, insertions: 0, deletions: 0 },
  checks: { before: [], after: [], passed: null, regressions: [] },
  usage: {
    inputTokens: 0,
    cachedInputTokens: 0,
    outputTokens: 0,
    reasoningTokens: 0,
    turns: 0,
    estimatedCostUsd: null,
  },
  model: "script:none",
  baseCommit: null,
};

/**
 * A finished job written straight to the database (no worker runs it: a terminal status is
 * never swept up), for pages that need many jobs, a review's findings, or a huge log.
 */
export async function seedJob(
  db: Db,
  projectId: string,
  options: {
    repoUrl?: string;
    task?: string;
    status?: "succeeded" | "failed";
    kind?: "change" | "review";
    result?: Partial<JobResult>;
    error?: { code: string; message: string; retryable: boolean };
    createdAt?: Date;
  } = {},
): Promise<string> {
  const id = randomUUID();
  const repoUrl = options.repoUrl ?? "https://git.example.com/team/seeded.git";
  const at = options.createdAt ?? new Date();
  await db.job.create({
    data: {
      id,
      projectId,
      status: options.status ?? "succeeded",
      spec: {
        repo: { url: repoUrl },
        task: options.task ?? "a seeded job",
        model: "script:none",
        limits: { timeoutSec: 60, maxTurns: 5 },
        ...(options.kind ? { kind: options.kind } : {}),
      },
      model: "script:none",
      repoUrl,
      attempt: 1,
      result: jsonObject({ ...EMPTY_RESULT, ...options.result }),
      ...(options.error ? { error: options.error } : {}),
      createdAt: at,
      startedAt: at,
      finishedAt: new Date(at.getTime() + 1000),
    },
  });
  return id;
}

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/** A result as the JSON column takes it (an interface has no index signature for Prisma's JSON type). */
function jsonObject(value: JobResult): { [key: string]: Json } {
  return value as unknown as { [key: string]: Json };
}

/**
 * Gives a seeded job `lines` lines of log (in chunks of `perEvent` lines, as a command's output
 * comes), between a running and a final status event; line i reads `line <i> …`. Stored 100 events a
 * transaction: bigger ones outlast Prisma's 5-second transaction limit on a busy machine.
 */
export async function seedLog(db: Db, jobId: string, lines: number, perEvent = 20): Promise<void> {
  const events = new JobEventRepository(db);
  const status = (s: "running" | "succeeded", phase: "setup" | null): NewEvent => ({
    type: "status",
    data: { status: s, phase },
  });
  await events.appendBatch(jobId, [status("running", "setup")]);
  const batch: NewEvent[] = [];
  for (let i = 1; i <= lines; i += perEvent) {
    let text = "";
    for (let j = i; j < i + perEvent && j <= lines; j++)
      text += `line ${j} of the build: compiling module-${j % 97}.ts\n`;
    batch.push({ type: "log", data: { stream: j0Stream(i), text, phase: "setup" } });
    if (batch.length === 100) await events.appendBatch(jobId, batch.splice(0));
  }
  await events.appendBatch(jobId, [...batch, status("succeeded", null)]);
}

const j0Stream = (i: number): "stdout" | "stderr" => (i % 1000 === 1 ? "stderr" : "stdout");
