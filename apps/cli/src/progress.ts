import type { JobEvent } from "@patchbay/core";
import { formatEvent } from "./format.js";

const FRAMES = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

/** Where a waiting command reports a job's events (stderr, so stdout stays the result). */
export interface ProgressSink {
  event(e: JobEvent): void;
  /** Clears whatever the sink keeps redrawing. */
  done(): void;
}

/** Plain lines, one per event (CI logs, pipes, files). */
export class PlainProgress implements ProgressSink {
  constructor(private readonly write: (line: string) => void = (l) => process.stderr.write(`${l}\n`)) {}

  /** Writes the event as a line. */
  event(e: JobEvent): void {
    this.write(formatEvent(e));
  }

  /** Nothing to clear. */
  done(): void {}
}

/**
 * A terminal display: milestones (status, tool calls, checks, errors) scroll by, command output
 * is summarised in one status line redrawn in place with the phase, turn and elapsed time.
 */
export class TtyProgress implements ProgressSink {
  private readonly started = Date.now();
  private status = "queued";
  private phase: string | null = null;
  private turn = 0;
  /** The plan's step in progress (else the next pending one), shown on the status line. */
  private step: string | null = null;
  private lastLog = "";
  private frame = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly id: string,
    private readonly out: NodeJS.WriteStream = process.stderr,
  ) {
    this.timer = setInterval(() => this.redraw(), 120);
    this.timer.unref();
  }

  /** Updates the status line, printing milestones above it. */
  event(e: JobEvent): void {
    if (e.type === "status") {
      this.status = e.data.status;
      this.phase = e.data.phase ?? null;
    }
    if (e.type === "model") this.turn = e.data.turn;
    if (e.type === "plan") this.step = currentStep(e.data.steps);
    if (e.type === "log") {
      this.lastLog = e.data.text.trim().split("\n").at(-1) ?? "";
    } else {
      this.clear();
      this.out.write(`${formatEvent(e)}\n`);
    }
    this.redraw();
  }

  /** Removes the status line and stops redrawing. */
  done(): void {
    clearInterval(this.timer);
    this.clear();
  }

  private clear(): void {
    this.out.write("\r\x1b[2K");
  }

  private redraw(): void {
    const secs = Math.round((Date.now() - this.started) / 1000);
    const spinner = FRAMES[this.frame++ % FRAMES.length];
    const parts = [
      `${spinner} ${this.id.slice(0, 8)} ${this.status}`,
      this.phase,
      this.turn ? `turn ${this.turn}` : null,
      this.step ? `▸ ${this.step}` : null,
      `${secs}s`,
    ];
    const head = parts.filter(Boolean).join(" · ");
    const width = this.out.columns ?? 100;
    const line = this.lastLog ? `${head} │ ${this.lastLog}` : head;
    this.clear();
    this.out.write(line.length > width - 1 ? `${line.slice(0, width - 2)}…` : line);
  }
}

function currentStep(steps: ReadonlyArray<{ step: string; status: string }>): string | null {
  const step = steps.find((s) => s.status === "in_progress") ?? steps.find((s) => s.status === "pending");
  return step ? step.step : null;
}

/** A terminal display when stderr is a TTY, else plain lines; `quiet` shows nothing. */
export function progressFor(id: string, options: { quiet?: boolean } = {}): ProgressSink {
  if (options.quiet) return { event: () => undefined, done: () => undefined };
  return process.stderr.isTTY ? new TtyProgress(id) : new PlainProgress();
}
