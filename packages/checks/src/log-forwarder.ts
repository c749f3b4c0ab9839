import type { EventSink, JobPhase } from "@patchbay/core";

type Stream = "stdout" | "stderr";

/** Sends a command's output to the event log as `log` events, up to a byte budget per command. */
export class LogForwarder {
  private sent = 0;
  private stopped = false;

  constructor(
    private readonly emit: EventSink,
    private readonly phase: JobPhase,
    private readonly maxBytes: number,
  ) {}

  /** Forwards a chunk; past the budget one marker is sent and the rest dropped. */
  write(stream: Stream, text: string): void {
    if (this.stopped || text === "") return;
    const size = Buffer.byteLength(text, "utf8");
    if (this.sent + size > this.maxBytes) {
      // A runaway test suite must not flood the job's event log; the result keeps the tail.
      this.stopped = true;
      this.send("stderr", `\n[patchbay: live output of this check stopped after ${this.sent} bytes]\n`);
      return;
    }
    this.sent += size;
    this.send(stream, text);
  }

  private send(stream: Stream, text: string): void {
    this.emit({ type: "log", data: { stream, text, phase: this.phase, source: "checks" } });
  }
}
