import {
  type ErrorInfo,
  isTerminal,
  type JobPhase,
  type JobResult,
  type JobSpec,
  type JobStatus,
  type NewEvent,
  PatchbayError,
  statusesLeadingTo,
  storableJson,
  storableText,
} from "@patchbay/core";
import type { Db } from "./client.js";
import { appendEventsInTx, type Tx } from "./event-repository.js";
import type { Job as JobRow } from "./generated/prisma/client.js";
import { Prisma } from "./generated/prisma/client.js";

/** A job as the rest of the system sees it (typed views over the JSON columns). */
export interface JobRecord {
  id: string;
  /** The project of the key that submitted it; another project's key never sees it. */
  projectId: string;
  status: JobStatus;
  phase: JobPhase | null;
  spec: JobSpec;
  model: string;
  attempt: number;
  /** The worker running the current attempt, or that ran the last one; null before any ran. */
  workerId: string | null;
  cancelRequested: boolean;
  result: JobResult | null;
  error: ErrorInfo | null;
  createdAt: Date;
  updatedAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  /** The job this one follows up (POST /v1/jobs/:id/follow-ups); null for a thread's first job. */
  parentId?: string | null;
  /** The thread's first job; null for a job that follows nothing. */
  rootId?: string | null;
}

/** Fields a status change may set alongside the status. */
export interface TransitionFields {
  phase?: JobPhase | null;
  result?: JobResult;
  error?: ErrorInfo;
  patch?: string;
  /** A follow-up's own change against its parent's final tree. */
  stepPatch?: string;
  /** Only when the job is still on this attempt (a superseded attempt must not finish it). */
  attempt?: number;
  /** The worker taking the job (with the change to `running`). */
  workerId?: string;
}

const SELECT_WITHOUT_PATCH = {
  id: true,
  projectId: true,
  status: true,
  phase: true,
  spec: true,
  model: true,
  attempt: true,
  workerId: true,
  cancelRequested: true,
  result: true,
  error: true,
  createdAt: true,
  updatedAt: true,
  startedAt: true,
  finishedAt: true,
  parentId: true,
  rootId: true,
} as const;

type RowView = Omit<JobRow, "patch" | "stepPatch" | "lastSeq" | "idempotencyKey" | "requestHash" | "repoUrl" | "queue">;

function toRecord(row: RowView): JobRecord {
  return {
    ...row,
    status: row.status as JobStatus,
    phase: row.phase as JobPhase | null,
    spec: row.spec as unknown as JobSpec,
    result: row.result as unknown as JobResult | null,
    error: row.error as unknown as ErrorInfo | null,
  };
}

/** The fields with every text made storable (NUL and lone surrogates replaced; see storable.ts). */
function storableFields(fields: TransitionFields): TransitionFields {
  return {
    ...fields,
    ...(fields.result ? { result: storableJson(fields.result).value } : {}),
    ...(fields.error ? { error: storableJson(fields.error).value } : {}),
    ...(fields.patch !== undefined ? { patch: storableText(fields.patch) } : {}),
    ...(fields.stepPatch !== undefined ? { stepPatch: storableText(fields.stepPatch) } : {}),
  };
}

async function updateStatus(tx: Tx, id: string, to: JobStatus, raw: TransitionFields): Promise<boolean> {
  const fields = storableFields(raw);
  const now = new Date();
  const { count } = await tx.job.updateMany({
    where: { id, status: { in: statusesLeadingTo(to) }, ...(fields.attempt ? { attempt: fields.attempt } : {}) },
    data: {
      status: to,
      ...(fields.phase !== undefined ? { phase: fields.phase } : {}),
      ...(fields.result ? { result: fields.result as unknown as Prisma.InputJsonValue } : {}),
      ...(fields.error ? { error: fields.error as unknown as Prisma.InputJsonValue } : {}),
      ...(fields.patch !== undefined ? { patch: fields.patch } : {}),
      ...(fields.stepPatch !== undefined ? { stepPatch: fields.stepPatch } : {}),
      ...(fields.workerId !== undefined ? { workerId: fields.workerId } : {}),
      ...(to === "running" ? { startedAt: now, attempt: { increment: 1 } } : {}),
      ...(isTerminal(to) ? { finishedAt: now } : {}),
    },
  });
  return count === 1;
}

/** Reads and writes jobs; status changes are conditional so a job never finishes twice. */
export class JobRepository {
  constructor(private readonly db: Db) {}

  /** Inserts a queued job; with an idempotency key, returns the existing job for a repeat. */
  async create(input: {
    id: string;
    spec: JobSpec;
    /** Default: the `default` project. */
    projectId?: string;
    /** The queue it is submitted to (default: the default queue). */
    queue?: string;
    idempotencyKey?: string;
    requestHash?: string;
    /** Events stored with the row, in its transaction (a reader never sees the job without them). */
    events?: readonly NewEvent[];
    /** For a follow-up: the job it follows and the thread's first job. */
    thread?: { parentId: string; rootId: string };
  }): Promise<{ job: JobRecord; created: boolean }> {
    try {
      const row = await this.db.$transaction(async (tx) => {
        const created = await tx.job.create({
          data: {
            id: input.id,
            ...(input.projectId ? { projectId: input.projectId } : {}),
            ...(input.queue ? { queue: input.queue } : {}),
            spec: input.spec as unknown as Prisma.InputJsonValue,
            model: input.spec.model,
            repoUrl: input.spec.repo.url,
            idempotencyKey: input.idempotencyKey ?? null,
            requestHash: input.requestHash ?? null,
            ...(input.thread ? { parentId: input.thread.parentId, rootId: input.thread.rootId } : {}),
          },
          select: SELECT_WITHOUT_PATCH,
        });
        if (input.events?.length) await appendEventsInTx(tx, created.id, input.events);
        return created;
      });
      return { job: toRecord(row), created: true };
    } catch (err) {
      if (!(err instanceof Prisma.PrismaClientKnownRequestError && err.code === "P2002") || !input.idempotencyKey) {
        throw err;
      }
      const projectId = input.projectId ?? "default";
      return {
        job: await this.findByIdempotencyKey(projectId, input.idempotencyKey, input.requestHash),
        created: false,
      };
    }
  }

  // Keys are per project: another project's key of the same value is another job.
  private async findByIdempotencyKey(
    projectId: string,
    key: string,
    requestHash: string | undefined,
  ): Promise<JobRecord> {
    const row = await this.db.job.findUniqueOrThrow({
      where: { projectId_idempotencyKey: { projectId, idempotencyKey: key } },
    });
    if (requestHash && row.requestHash !== requestHash) {
      throw new PatchbayError("conflict", "Idempotency-Key was already used with a different request body");
    }
    return toRecord(row);
  }

  /** The job, or null when unknown. */
  async findById(id: string): Promise<JobRecord | null> {
    const row = await this.db.job.findUnique({ where: { id }, select: SELECT_WITHOUT_PATCH });
    return row ? toRecord(row) : null;
  }

  /** The stored patch text ("" when the job changed nothing), or null when there is none yet. */
  async getPatch(id: string): Promise<string | null> {
    const row = await this.db.job.findUnique({ where: { id }, select: { patch: true } });
    return row?.patch ?? null;
  }

  /** Stores a follow-up's own change (the worker, before the job's terminal status). */
  async setStepPatch(id: string, patch: string): Promise<void> {
    await this.db.job.update({ where: { id }, data: { stepPatch: storableText(patch) } });
  }

  /** A follow-up's own change against its parent's final tree; null for other jobs. */
  async getStepPatch(id: string): Promise<string | null> {
    const row = await this.db.job.findUnique({ where: { id }, select: { stepPatch: true } });
    return row?.stepPatch ?? null;
  }

  /** The jobs of a thread, oldest first: its first job, then every follow-up. */
  async listThread(rootId: string): Promise<JobRecord[]> {
    const rows = await this.db.job.findMany({
      where: { OR: [{ id: rootId }, { rootId }] },
      orderBy: [{ createdAt: "asc" }, { id: "asc" }],
      take: 1000,
      select: SELECT_WITHOUT_PATCH,
    });
    return rows.map(toRecord);
  }

  /** Newest first; `cursor` is the id of the last job of the previous page. */
  async list(options: {
    status?: JobStatus;
    limit: number;
    cursor?: string;
    projectId?: string;
    /** Jobs of this repository (`spec.repo.url` as submitted). */
    repoUrl?: string;
    /** Jobs of this kind; a spec without `kind` is a "change". */
    kind?: "change" | "ask" | "review";
    /** Jobs created at or after this time. */
    since?: Date;
    /** Jobs whose task or repository URL contains this text (any case). */
    text?: string;
  }): Promise<JobRecord[]> {
    const kind =
      options.kind === "change"
        ? { OR: [{ spec: { path: ["kind"], equals: "change" } }, { spec: { path: ["kind"], equals: Prisma.AnyNull } }] }
        : options.kind
          ? { spec: { path: ["kind"], equals: options.kind } }
          : {};
    const rows = await this.db.job.findMany({
      where: {
        ...(options.status ? { status: options.status } : {}),
        ...(options.projectId ? { projectId: options.projectId } : {}),
        ...(options.repoUrl ? { repoUrl: options.repoUrl } : {}),
        ...(options.since ? { createdAt: { gte: options.since } } : {}),
        ...kind,
        ...(options.text ? { AND: [textFilter(options.text)] } : {}),
      },
      orderBy: [{ createdAt: "desc" }, { id: "desc" }],
      take: options.limit,
      ...(options.cursor ? { cursor: { id: options.cursor }, skip: 1 } : {}),
      select: SELECT_WITHOUT_PATCH,
    });
    return rows.map((r) => toRecord(r));
  }

  /**
   * Moves the job to `to` when allowed from its current status, and appends its status event in
   * the same transaction (so a reader who sees the status also sees the event). False when the
   * move was not allowed (e.g. the job had already finished).
   */
  async transition(
    id: string,
    to: JobStatus,
    fields: TransitionFields = {},
    message?: string,
    attempt?: number,
  ): Promise<boolean> {
    return this.db.$transaction(async (tx) => {
      const moved = await updateStatus(tx, id, to, fields);
      if (moved) {
        const data = {
          status: to,
          phase: fields.phase ?? null,
          ...(message ? { message: storableText(message) } : {}),
          ...(attempt ? { attempt } : {}),
        };
        await appendEventsInTx(tx, id, [{ type: "status", data }]);
        if (fields.error) await appendEventsInTx(tx, id, [{ type: "error", data: fields.error }]);
      }
      return moved;
    });
  }

  /** Records the phase a running job is in. */
  async setPhase(id: string, phase: JobPhase): Promise<void> {
    await this.db.job.updateMany({ where: { id, status: "running" }, data: { phase } });
  }

  /** Marks a job for cancellation; returns the job after the change. */
  async requestCancel(id: string): Promise<JobRecord | null> {
    await this.db.job.updateMany({
      where: { id, status: { in: ["queued", "running"] } },
      data: { cancelRequested: true },
    });
    return this.findById(id);
  }

  /** Marks a running attempt as alive (its worker's heartbeat); false when it is no longer current. */
  async touch(id: string, attempt: number): Promise<boolean> {
    const { count } = await this.db.job.updateMany({
      where: { id, status: "running", attempt },
      data: { updatedAt: new Date() },
    });
    return count === 1;
  }

  /** Running jobs whose worker has not been heard from since `olderThan`. */
  async listRunningSilentSince(queue: string, olderThan: Date, limit = 100): Promise<string[]> {
    const rows = await this.db.job.findMany({
      where: { status: "running", queue, updatedAt: { lt: olderThan } },
      select: { id: true },
      take: limit,
    });
    return rows.map((r) => r.id);
  }

  /** A queue's jobs still queued that were created before `olderThan` (for the re-enqueue sweeper). */
  async listQueuedBefore(queue: string, olderThan: Date, limit = 100): Promise<string[]> {
    const rows = await this.db.job.findMany({
      where: { status: "queued", queue, createdAt: { lt: olderThan } },
      select: { id: true },
      take: limit,
    });
    return rows.map((r) => r.id);
  }
}

/** Task or repository URL containing `text`, case-insensitively (the dashboard's search box). */
function textFilter(text: string) {
  return {
    OR: [
      { spec: { path: ["task"], string_contains: text, mode: "insensitive" as const } },
      { repoUrl: { contains: text, mode: "insensitive" as const } },
    ],
  };
}
