import type { NewEvent } from "@patchbay/core";
import { isTransientStorageError, type JobEventRepository, type TimedEvent } from "@patchbay/db";
import type { Logger } from "pino";
import { EventRedaction, Redactor } from "./redact.js";

const FLUSH_DELAY_MS = 100;
const MAX_PENDING = 20_000;
const BATCH_SIZE = 500;
/** Log text stored per job; past it, log chunks are dropped and one marker says so. */
export const JOB_LOG_CAP_BYTES = 50 * 1024 * 1024;

/** How long waiting for stored events and retrying an unreachable database may take. */
export interface EventBufferTiming {
  /** `flush()` resolves after this long even when the events are not stored yet (default 30 s). */
  flushTimeoutMs?: number;
  /** An unreachable database is retried this long; then the unsent events are dropped (default 5 min). */
  retryForMs?: number;
}

/**
 * Collects a job's events and writes them in batches, in order, one batch at a time. A write the
 * database could not take (it is unreachable) is retried with the events kept, for a while; one
 * it refused for its content is never retried: the batch is written event by event and an event
 * that still fails is replaced by an `error` event naming it. Past MAX_PENDING unsent events
 * further log output is dropped (with one marker) to keep memory bounded; `flush()` is bounded
 * in time, so no job and no worker waits on storage forever. Each event keeps the time it was
 * emitted (`ts`), however late its batch is written; `seq` is still assigned at write.
 */
export class EventBuffer {
  private pending: TimedEvent[] = [];
  private timer: NodeJS.Timeout | null = null;
  private writing: Promise<void> = Promise.resolve();
  private droppedLogs = 0;
  private logBytes = 0;
  private capNoted = false;
  private redaction: EventRedaction | null = null;
  private readonly flushTimeoutMs: number;
  private readonly retryForMs: number;

  constructor(
    private readonly jobId: string,
    private readonly events: JobEventRepository,
    private readonly logger: Logger,
    timing: EventBufferTiming = {},
  ) {
    this.flushTimeoutMs = timing.flushTimeoutMs ?? 30_000;
    this.retryForMs = timing.retryForMs ?? 300_000;
  }

  /**
   * From now on, every secret value is replaced by `[redacted]` in every event before it is
   * stored (log text, tool results, model text, error messages).
   */
  redactSecrets(values: Iterable<string>): void {
    const redactor = new Redactor(values);
    this.redaction = redactor.empty ? null : new EventRedaction(redactor);
  }

  /** Queues one event (the EventSink the pipeline hands out). */
  readonly emit = (event: NewEvent): void => {
    const ts = new Date();
    const events = this.redaction ? this.redaction.apply(event) : [event];
    for (const e of events) this.enqueue({ ...e, ts });
  };

  private enqueue(event: TimedEvent): void {
    if (event.type === "log" && !this.admitLog(event.data.text)) return;
    this.pending.push(event);
    this.timer ??= setTimeout(() => void this.write(), FLUSH_DELAY_MS);
  }

  /** Whether a log chunk fits the per-job cap and the unsent-events bound. */
  private admitLog(text: string): boolean {
    this.logBytes += text.length;
    if (this.logBytes > JOB_LOG_CAP_BYTES) {
      if (!this.capNoted) {
        this.capNoted = true;
        const note = `[patchbay: this job's log reached ${JOB_LOG_CAP_BYTES >> 20} MiB; further output is not stored]\n`;
        this.pending.push({ type: "log", data: { stream: "stderr", text: note }, ts: new Date() });
      }
      return false;
    }
    if (this.pending.length >= MAX_PENDING) {
      this.droppedLogs++;
      return false;
    }
    return true;
  }

  /**
   * Writes everything queued so far; resolves when it is stored, or after the flush timeout
   * (logged; the writes go on in the background within their retry window).
   */
  async flush(): Promise<void> {
    // Text held back in case it starts a secret is released now (the command has ended).
    for (const e of this.redaction?.drain() ?? []) this.enqueue({ ...e, ts: new Date() });
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<"late">((resolve) => {
      timer = setTimeout(() => resolve("late"), this.flushTimeoutMs);
    });
    const outcome = await Promise.race([this.write().then(() => "stored" as const), deadline]);
    clearTimeout(timer);
    if (outcome === "late") {
      const pending = this.pending.length;
      this.logger.warn({ jobId: this.jobId, pending }, "events not stored within the flush timeout; going on");
    }
  }

  private write(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.writing = this.writing.then(() => this.writePending());
    return this.writing;
  }

  private async writePending(): Promise<void> {
    if (this.droppedLogs > 0) {
      const text = `[patchbay: ${this.droppedLogs} log chunks dropped: event storage fell behind]\n`;
      this.pending.push({ type: "log", data: { stream: "stderr", text }, ts: new Date() });
      this.droppedLogs = 0;
    }
    let failingSince: number | null = null;
    for (let attempt = 0; this.pending.length > 0; attempt++) {
      try {
        const batch = this.pending.slice(0, BATCH_SIZE);
        const count = batch.length;
        await this.appendOrIsolate(batch);
        this.pending.splice(0, count);
        attempt = -1;
        failingSince = null;
      } catch (err) {
        if (!isTransientStorageError(err)) {
          // Only a bug of ours gets here; dropping the first event keeps the queue moving.
          this.logger.error({ err, jobId: this.jobId, type: this.pending[0]?.type }, "event dropped");
          this.pending.shift();
          continue;
        }
        failingSince ??= Date.now();
        if (Date.now() - failingSince > this.retryForMs) {
          const dropped = this.pending.length;
          this.logger.error({ err, jobId: this.jobId, dropped }, "event storage unreachable too long; events dropped");
          this.pending = [];
          return;
        }
        this.logger.warn({ err, jobId: this.jobId, attempt }, "event write failed; retrying");
        await new Promise((r) => setTimeout(r, Math.min(5000, 100 * 2 ** attempt)));
      }
    }
  }

  /**
   * Appends a batch; when the database refuses it for its content, appends its events one at a
   * time, each refused one replaced by an `error` event. Throws only what may pass (unreachable).
   * `batch` is consumed.
   */
  private async appendOrIsolate(batch: TimedEvent[]): Promise<void> {
    try {
      await this.events.appendBatch(this.jobId, batch);
      return;
    } catch (err) {
      if (isTransientStorageError(err)) throw err;
      this.logger.warn({ err, jobId: this.jobId }, "the database refused an event batch; storing one by one");
    }
    // Events stored in this loop are never sent again: a later transient error resumes after them.
    while (batch.length > 0) {
      const event = batch[0]!;
      try {
        await this.events.appendBatch(this.jobId, [event]);
      } catch (err) {
        if (isTransientStorageError(err)) {
          this.pending.splice(0, this.pending.indexOf(event));
          throw err;
        }
        await this.replaceRefused(event, err);
      }
      batch.shift();
    }
  }

  private async replaceRefused(event: TimedEvent, err: unknown): Promise<void> {
    const size = jsonLength(event.data);
    const why = err instanceof Error ? err.message.split("\n").filter(Boolean).at(-1)?.slice(0, 300) : String(err);
    this.logger.error({ err, jobId: this.jobId, type: event.type, size }, "the database refused an event; dropped");
    const what = size >= 0 ? `a ${event.type} event (${size} characters)` : `a ${event.type} event`;
    const message = `${what} could not be stored and was dropped: ${why}`;
    try {
      await this.events.appendBatch(this.jobId, [
        { type: "error", data: { code: "internal", message, retryable: false }, ...(event.ts ? { ts: event.ts } : {}) },
      ]);
    } catch (noted) {
      if (isTransientStorageError(noted)) throw noted;
      this.logger.error({ err: noted, jobId: this.jobId }, "could not store the note about a dropped event");
    }
  }
}

/** Characters of the value as JSON; -1 when it cannot be serialized (a cycle, a BigInt). */
function jsonLength(value: unknown): number {
  try {
    return JSON.stringify(value)?.length ?? 0;
  } catch {
    return -1;
  }
}
