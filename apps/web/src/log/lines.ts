import type { JobEvent } from "@patchbay/core";

/** How a log line is shown: a command's output, its errors, or a note of what happened. */
export type LineKind = "out" | "err" | "meta";

/** The log's lines, kept as two parallel arrays so that 50,000 of them cost little. */
export class LogLines {
  readonly text: string[] = [];
  readonly kind: LineKind[] = [];
  /** Whether the last line is still open (its chunk did not end with a newline), and on which stream. */
  private open: LineKind | null = null;

  get length(): number {
    return this.text.length;
  }

  /** Adds a chunk of output; a chunk that continues an open line on the same stream extends it. */
  addChunk(chunk: string, kind: LineKind): void {
    const parts = chunk.split("\n");
    const closed = chunk.endsWith("\n");
    if (closed) parts.pop();
    parts.forEach((part, i) => {
      if (i === 0 && this.open === kind && this.text.length > 0) {
        this.text[this.text.length - 1] += part;
      } else {
        this.text.push(part);
        this.kind.push(kind);
      }
    });
    this.open = closed || parts.length === 0 ? null : kind;
  }

  /** Adds one whole line (a note), closing any open output line. */
  addLine(line: string, kind: LineKind = "meta"): void {
    this.text.push(line);
    this.kind.push(kind);
    this.open = null;
  }

  /** Indexes of lines at or after `from` that contain `query`, any case. */
  find(query: string, from = 0): number[] {
    const q = query.toLowerCase();
    const hits: number[] = [];
    if (!q) return hits;
    for (let i = from; i < this.text.length; i++) if (this.text[i]!.toLowerCase().includes(q)) hits.push(i);
    return hits;
  }
}

/** The text of a tool call's input: its command(s) or path. */
export function commandOf(input: unknown): string {
  if (typeof input !== "object" || input === null) return "";
  const record = input as Record<string, unknown>;
  const cmd = record.commands ?? record.command ?? record.path ?? record.query;
  return Array.isArray(cmd) ? cmd.join(" && ") : typeof cmd === "string" ? cmd : "";
}

/** Writes one event into the log: output chunks as they came, everything else as a one-line note. */
export function addEvent(lines: LogLines, e: JobEvent): void {
  if (e.type === "log") lines.addChunk(e.data.text, e.data.stream === "stderr" ? "err" : "out");
  else lines.addLine(...noteOf(e));
}

/** The one-line note an event other than a log chunk shows as. */
function noteOf(e: Exclude<JobEvent, { type: "log" }>): [string, LineKind] {
  switch (e.type) {
    case "status":
      return [
        `— ${e.data.status}${e.data.phase ? ` · ${e.data.phase}` : ""}${e.data.message ? `: ${e.data.message}` : ""}`,
        "meta",
      ];
    case "model":
      return [
        `▸ model turn ${e.data.turn} · ${e.data.usage.inputTokens} in / ${e.data.usage.outputTokens} out`,
        "meta",
      ];
    case "tool_call":
      return [`$ ${e.data.tool}: ${commandOf(e.data.input).slice(0, 500)}`, "meta"];
    case "tool_result": {
      const exit = e.data.exitCode === undefined || e.data.exitCode === null ? "" : ` (exit ${e.data.exitCode})`;
      return [`→ ${e.data.tool} ${e.data.ok ? "ok" : "failed"}${exit}`, e.data.ok ? "meta" : "err"];
    }
    case "check":
      return [
        `check ${e.data.stage} ${e.data.kind}: ${e.data.status ?? (e.data.passed ? "passed" : "failed")} — ${e.data.command}`,
        e.data.passed ? "meta" : "err",
      ];
    case "error":
      return [`error ${e.data.code}: ${e.data.message}`, "err"];
    case "network":
      return [
        `network ${e.data.phase}: ${e.data.method ?? "CONNECT"} ${e.data.host}:${e.data.port} ${e.data.allowed ? "allowed" : "refused"}`,
        "meta",
      ];
    case "environment":
      return [`environment ${e.data.status} (${e.data.ms} ms)`, "meta"];
    case "user_message":
      return [`✉ steering message ${e.data.delivered ? "delivered to the model" : "sent"}: ${e.data.text}`, "meta"];
    case "plan":
      return [
        `plan: ${e.data.steps.map((s) => `[${s.status === "completed" ? "x" : " "}] ${s.step}`).join("  ")}`,
        "meta",
      ];
    case "hidden":
      return [`hidden checks: ${e.data.resolved ? "resolved" : "not resolved"}`, "meta"];
  }
}
