import type { NewEvent } from "@patchbay/core";
import type { JobEventRepository } from "@patchbay/db";
import type { Logger } from "pino";
import { EventRedaction, Redactor } from "./redact.js";

const FLUSH_DELAY_MS = 100;
const MAX_PENDING = 20_000;
/** Log text stored per job; past it, log chunks are dropped and one marker says so. */
export const JOB_LOG_CAP_BYTES = 50 * 1024 * 1024;

/**
 * Collects a job's events and writes them in batches, in order, one batch at a time. A failed
 * write is retried with the events kept, so a database hiccup loses nothing; past MAX_PENDING
 * unsent events further log output is dropped (with one marker) to keep memory bounded.
 */
export class EventBuffer {
  private pending: NewEvent[] = [];
  private timer: NodeJS.Timeout | null = null;
  private writing: Promise<void> = Promise.resolve();
  private droppedLogs = 0;
  private logBytes = 0;
  private capNoted = false;
  private redaction: EventRedaction | null = null;

  constructor(
    private readonly jobId: string,
    private readonly events: JobEventRepository,
    private readonly logger: Logger,
  ) {}

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
    const events = this.redaction ? this.redaction.apply(event) : [event];
    for (const e of events) this.enqueue(e);
  };

  private enqueue(event: NewEvent): void {
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
        this.pending.push({ type: "log", data: { stream: "stderr", text: note } });
      }
      return false;
    }
    if (this.pending.length >= MAX_PENDING) {
      this.droppedLogs++;
      return false;
    }
    return true;
  }

  /** Writes everything queued so far; resolves when it is stored. */
  flush(): Promise<void> {
    // Text held back in case it starts a secret is released now (the command has ended).
    for (const e of this.redaction?.drain() ?? []) this.enqueue(e);
    return this.write();
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
      this.pending.push({ type: "log", data: { stream: "stderr", text } });
      this.droppedLogs = 0;
    }
    for (let attempt = 0; this.pending.length > 0; attempt++) {
      const batch = this.pending.slice(0, 500);
      try {
        await this.events.appendBatch(this.jobId, batch);
        this.pending.splice(0, batch.length);
        attempt = -1;
      } catch (err) {
        this.logger.warn({ err, jobId: this.jobId, attempt }, "event write failed; retrying");
        await new Promise((r) => setTimeout(r, Math.min(5000, 100 * 2 ** attempt)));
      }
    }
  }
}
