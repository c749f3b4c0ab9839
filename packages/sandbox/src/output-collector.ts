import { StringDecoder } from "node:string_decoder";
import type { ExecOptions } from "@patchbay/core";
import type { FrameSink, StreamName } from "./frames.js";
import { CappedOutput } from "./output-cap.js";

/** How much of one command's output is kept and how much is streamed live. */
export interface OutputLimits {
  /** Bytes kept per stream in the result (head and tail). */
  capBytes: number;
  /** Bytes per stream passed to onOutput; a runaway command must not flood the event log. */
  forwardCapBytes: number;
}

/** Collects a command's stdout and stderr apart, capped, and forwards chunks as they come. */
export class OutputCollector {
  private readonly kept: Record<StreamName, CappedOutput>;
  private readonly decoders: Record<StreamName, StringDecoder> = {
    stdout: new StringDecoder("utf8"),
    stderr: new StringDecoder("utf8"),
  };
  private readonly forwarded: Record<StreamName, number> = { stdout: 0, stderr: 0 };

  constructor(
    private readonly limits: OutputLimits,
    private readonly onOutput: ExecOptions["onOutput"],
  ) {
    this.kept = { stdout: new CappedOutput(limits.capBytes), stderr: new CappedOutput(limits.capBytes) };
  }

  /** The sink to hand to the exec stream. */
  readonly sink: FrameSink = (stream, payload) => {
    this.kept[stream].push(payload);
    this.forward(stream, payload);
    return undefined;
  };

  private forward(stream: StreamName, payload: Buffer): void {
    const budget = this.limits.forwardCapBytes - this.forwarded[stream];
    if (this.onOutput === undefined || budget <= 0) return;
    const part = payload.length > budget ? payload.subarray(0, budget) : payload;
    this.forwarded[stream] += part.length;
    this.emit(stream, this.decoders[stream].write(part));
    if (this.forwarded[stream] >= this.limits.forwardCapBytes) {
      this.emit(
        stream,
        `${this.decoders[stream].end()}\n[... live output stopped after ${this.forwarded[stream]} bytes ...]\n`,
      );
    }
  }

  private emit(stream: StreamName, text: string): void {
    if (text.length === 0 || this.onOutput === undefined) return;
    try {
      this.onOutput(stream, text);
    } catch {
      // A listener's bug must not fail or hang the command it is watching.
    }
  }

  /** Flushes pending characters to the listener and returns the kept output. */
  finish(): { stdout: string; stderr: string; truncatedBytes: number } {
    for (const stream of ["stdout", "stderr"] as const) {
      if (this.forwarded[stream] < this.limits.forwardCapBytes) this.emit(stream, this.decoders[stream].end());
    }
    const stdout = this.kept.stdout.result();
    const stderr = this.kept.stderr.result();
    return { stdout: stdout.text, stderr: stderr.text, truncatedBytes: stdout.droppedBytes + stderr.droppedBytes };
  }
}
