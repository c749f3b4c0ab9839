import type { EventSink } from "@patchbay/core";
import type { ModelProgress } from "./types.js";

/** Partial text is sent at most this often, so a fast stream does not flood the event log. */
export const PROGRESS_INTERVAL_MS = 500;

/**
 * Turns a streaming model's progress into `log` events (source "model"): text deltas gathered
 * and sent at most every PROGRESS_INTERVAL_MS, and a line for each tool call as it arrives.
 */
export class ProgressLog {
  private pending = "";
  private lastSent = 0;

  constructor(
    private readonly emit: EventSink,
    private readonly now: () => number = Date.now,
  ) {}

  /** For ModelRequest.onProgress. */
  readonly report = (progress: ModelProgress): void => {
    if (progress.type === "text") {
      this.pending += progress.delta;
      if (this.now() - this.lastSent >= PROGRESS_INTERVAL_MS) this.flush();
      return;
    }
    const call = describeCall(progress.item as unknown as { type: string } & Record<string, unknown>);
    if (call === null) return;
    this.flush();
    this.send(`[model calls ${call}]\n`);
  };

  /** Sends whatever text is still gathered (at the end of a model call). */
  flush(): void {
    if (this.pending === "") return;
    const text = this.pending;
    this.pending = "";
    this.send(text);
  }

  private send(text: string): void {
    this.lastSent = this.now();
    this.emit({ type: "log", data: { stream: "stdout", text, phase: "agent", source: "model" } });
  }
}

function describeCall(item: { type: string } & Record<string, unknown>): string | null {
  switch (item.type) {
    case "shell_call":
      return `shell: ${((item.action as { commands?: string[] }).commands ?? []).join(" && ").slice(0, 200)}`;
    case "apply_patch_call":
      return `apply_patch: ${(item.operation as { type: string; path: string }).type} ${(item.operation as { path: string }).path}`;
    case "function_call":
    case "custom_tool_call":
      return String(item.name);
    default:
      return null;
  }
}
