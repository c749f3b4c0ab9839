import { EVENT_VERSION, type EventType, type JobEvent, type NewEvent, storableJson } from "@patchbay/core";
import type { Db } from "./client.js";
import type { Prisma } from "./generated/prisma/client.js";

/** A transaction client (what `db.$transaction(fn)` hands to fn). */
export type Tx = Prisma.TransactionClient;

/** An event with the time it happened; one without `ts` is stamped when it is written. */
export type TimedEvent = NewEvent & { ts?: Date };

/**
 * The event as Postgres can store it: NUL characters and lone surrogates in its data become
 * U+FFFD, and `data.sanitized: true` says that happened (a command printed `\0`, a model sent
 * half a surrogate pair). Storing it as it was would fail the whole batch every time.
 */
export function storableEvent<E extends NewEvent>(event: E): E {
  const { value, sanitized } = storableJson(event.data);
  if (!sanitized) return event;
  const data = value !== null && typeof value === "object" && !Array.isArray(value) ? { ...value, sanitized } : value;
  return { ...event, data } as E;
}

/**
 * Appends events inside a transaction. The job row's `last_seq` is bumped under its row lock,
 * so concurrent writers (a retried attempt, the API's cancel) never collide or leave gaps.
 * `seq` is the order of writing; `ts` is the event's own time when it carries one.
 */
export async function appendEventsInTx(tx: Tx, jobId: string, raw: readonly TimedEvent[]): Promise<JobEvent[]> {
  const events = raw.map(storableEvent);
  const bumped = await tx.$queryRaw<Array<{ last_seq: number }>>`
    UPDATE jobs SET last_seq = last_seq + ${events.length} WHERE id = ${jobId}::uuid RETURNING last_seq`;
  const last = bumped[0]?.last_seq;
  if (last === undefined) return [];
  const first = last - events.length + 1;
  const now = new Date();
  const rows = events.map((e, i) => ({
    jobId,
    seq: first + i,
    ts: e.ts ?? now,
    type: e.type,
    data: e.data as unknown as Prisma.InputJsonValue,
  }));
  await tx.jobEvent.createMany({ data: rows });
  return rows.map(
    (r) => ({ type: r.type, data: r.data, seq: r.seq, ts: r.ts.toISOString(), v: EVENT_VERSION }) as JobEvent,
  );
}

/** Stores a job's events with gapless, strictly increasing `seq` numbers. */
export class JobEventRepository {
  constructor(private readonly db: Db) {}

  /** Appends events in order, numbered after the job's last event. */
  async appendBatch(jobId: string, events: readonly TimedEvent[]): Promise<JobEvent[]> {
    if (events.length === 0) return [];
    return this.db.$transaction((tx) => appendEventsInTx(tx, jobId, events));
  }
  /** A job's events of one type with seq greater than `afterSeq`, oldest first. */
  async listOfType<T extends EventType>(
    jobId: string,
    type: T,
    afterSeq = 0,
    limit = 500,
  ): Promise<Array<Extract<JobEvent, { type: T }>>> {
    const rows = await this.db.jobEvent.findMany({
      where: { jobId, type, seq: { gt: afterSeq } },
      orderBy: { seq: "asc" },
      take: limit,
    });
    return rows.map(
      (r) =>
        ({ seq: r.seq, ts: r.ts.toISOString(), v: EVENT_VERSION, type, data: r.data }) as Extract<
          JobEvent,
          { type: T }
        >,
    );
  }

  /** A job's last event of one type, or null. */
  async lastOfType<T extends EventType>(jobId: string, type: T): Promise<Extract<JobEvent, { type: T }> | null> {
    const r = await this.db.jobEvent.findFirst({ where: { jobId, type }, orderBy: { seq: "desc" } });
    if (!r) return null;
    return { seq: r.seq, ts: r.ts.toISOString(), v: EVENT_VERSION, type, data: r.data } as Extract<
      JobEvent,
      { type: T }
    >;
  }

  /** Events with seq greater than `afterSeq`, oldest first. */
  async listAfter(jobId: string, afterSeq: number, limit = 500): Promise<JobEvent[]> {
    const rows = await this.db.jobEvent.findMany({
      where: { jobId, seq: { gt: afterSeq } },
      orderBy: { seq: "asc" },
      take: limit,
    });
    return rows.map(
      (r) =>
        ({
          seq: r.seq,
          ts: r.ts.toISOString(),
          v: EVENT_VERSION,
          type: r.type as EventType,
          data: r.data,
        }) as JobEvent,
    );
  }
}
