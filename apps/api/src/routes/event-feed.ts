import { isTerminal, type JobEvent } from "@patchbay/core";
import type { JobEventRepository, JobRepository } from "@patchbay/db";

/** How a shared feed polls and keeps connections open. */
export interface FeedOptions {
  /** How often to look for new events of a running job. */
  pollMs: number;
  /** How often to send a comment so proxies keep the connection open. */
  heartbeatMs: number;
}

/** One stream following a job's feed from its position `after`. */
export interface FeedListener {
  /** The last seq this stream has sent; the feed sends only what comes after it. */
  after: number;
  /** Writes SSE text; false when the client is too slow and the stream should end (it resumes by Last-Event-ID). */
  send(text: string): boolean;
  /** Ends the stream (the job finished, the client lagged, or storage failed). */
  end(): void;
}

/** One SSE frame per event: `id: seq`, `event: type`, JSON data. */
export function eventFrame(e: JobEvent): string {
  return `id: ${e.seq}\nevent: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`;
}

/**
 * The running jobs' event feeds of one API process. Every stream of a job that has caught up
 * shares one poll of the database and one serialization of each event, so a thousand viewers of
 * a job cost what one does (each stream used to poll on its own: queries grew with viewers).
 */
export class JobEventFeeds {
  private readonly feeds = new Map<string, JobFeed>();

  constructor(
    private readonly deps: { jobs: JobRepository; events: JobEventRepository },
    private readonly options: FeedOptions,
  ) {}

  /**
   * Adds `listener` to the job's feed; returns how to leave it. Null when the feed has already
   * read past the listener's position: the caller reads what it missed and tries again.
   */
  join(jobId: string, listener: FeedListener): (() => void) | null {
    let feed = this.feeds.get(jobId);
    if (feed && feed.head > listener.after) return null;
    if (!feed) {
      feed = new JobFeed(jobId, listener.after, this.deps, this.options, () => this.feeds.delete(jobId));
      this.feeds.set(jobId, feed);
    }
    return feed.add(listener);
  }

  /** Jobs with a feed now (for tests and diagnostics). */
  get size(): number {
    return this.feeds.size;
  }
}

class JobFeed {
  private readonly listeners = new Set<FeedListener>();
  private running = false;
  private lastWrite = Date.now();

  constructor(
    private readonly jobId: string,
    /** The last seq read from the database. */
    public head: number,
    private readonly deps: { jobs: JobRepository; events: JobEventRepository },
    private readonly options: FeedOptions,
    private readonly onIdle: () => void,
  ) {}

  add(listener: FeedListener): () => void {
    this.listeners.add(listener);
    if (!this.running) {
      this.running = true;
      void this.run();
    }
    return () => {
      this.listeners.delete(listener);
    };
  }

  private async run(): Promise<void> {
    try {
      while (this.listeners.size > 0 && !(await this.step())) {}
    } catch {
      // Storage failed: the streams end and their clients resume from Last-Event-ID.
    }
    this.endAll();
  }

  /** One poll; true when the job's stream is over. */
  private async step(): Promise<boolean> {
    const batch = await this.deps.events.listAfter(this.jobId, this.head);
    if (batch.length > 0) {
      this.deliver(batch);
      return false;
    }
    // The terminal status and its event commit together, so nothing can follow once we see it.
    const current = await this.deps.jobs.findById(this.jobId);
    if (!current || isTerminal(current.status)) {
      return (await this.deps.events.listAfter(this.jobId, this.head, 1)).length === 0;
    }
    if (Date.now() - this.lastWrite >= this.options.heartbeatMs) {
      this.broadcast(": keep-alive\n\n");
      this.lastWrite = Date.now();
    }
    await new Promise((r) => setTimeout(r, this.options.pollMs));
    return false;
  }

  private deliver(batch: JobEvent[]): void {
    const frames = batch.map((e) => ({ seq: e.seq, text: eventFrame(e) }));
    for (const listener of this.listeners) {
      const text = frames
        .filter((f) => f.seq > listener.after)
        .map((f) => f.text)
        .join("");
      listener.after = Math.max(listener.after, frames.at(-1)!.seq);
      if (text.length > 0 && !listener.send(text)) this.drop(listener);
    }
    this.head = batch.at(-1)!.seq;
    this.lastWrite = Date.now();
  }

  private broadcast(text: string): void {
    for (const listener of this.listeners) if (!listener.send(text)) this.drop(listener);
  }

  private drop(listener: FeedListener): void {
    this.listeners.delete(listener);
    listener.end();
  }

  private endAll(): void {
    // Synchronous with the loop's last check: a stream joining from now on gets a new feed.
    this.onIdle();
    for (const listener of this.listeners) listener.end();
    this.listeners.clear();
  }
}
