import { TOOL_OUTPUT_LIMIT, truncateMiddle } from "@patchbay/agent";
import type { EventSink, NewEvent, PlanStep } from "@patchbay/core";
import { z } from "zod";

// `codex exec --json` prints one of these per line (codex-rs/exec/src/exec_events.rs).
const ItemSchema = z.looseObject({ id: z.string(), type: z.string() });
const LineSchema = z.looseObject({
  type: z.string(),
  item: ItemSchema.optional(),
  error: z.looseObject({ message: z.string() }).optional(),
  message: z.string().optional(),
});
type Item = z.output<typeof ItemSchema>;

const CommandSchema = z.looseObject({
  command: z.string(),
  aggregated_output: z.string().default(""),
  exit_code: z.number().nullable().optional(),
  status: z.string(),
});
const FileChangeSchema = z.looseObject({
  changes: z.array(z.looseObject({ path: z.string(), kind: z.string() })),
  status: z.string(),
});
const TodoSchema = z.looseObject({ items: z.array(z.looseObject({ text: z.string(), completed: z.boolean() })) });

const KIND_MARK: Record<string, string> = { add: "A", delete: "D", update: "M" };

/**
 * Turns Codex CLI's JSONL events into Patchbay's: commands and file changes become tool_call /
 * tool_result pairs, the to-do list a plan, error items log lines; the last agent message is the
 * summary. Model turns and their usage come from the model proxy, which sees every call.
 */
export class CodexEventMapper {
  /** The last agent message: the run's summary. */
  summary: string | null = null;
  /** Why the run failed, when Codex said so (turn.failed, error). */
  failure: string | null = null;
  private readonly started = new Map<string, number>();

  constructor(
    private readonly emit: EventSink,
    /** The workspace root inside the sandbox: file paths in events are made relative to it. */
    private readonly root: string,
  ) {}

  /** One line of Codex's stdout; anything that is not an event goes to the log. */
  line(text: string): void {
    if (text.trim() === "") return;
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      this.emit(log("stdout", `${text}\n`));
      return;
    }
    const parsed = LineSchema.safeParse(json);
    if (!parsed.success) return;
    const event = parsed.data;
    if (event.type === "turn.failed") this.failure = event.error?.message ?? "the Codex turn failed";
    else if (event.type === "error") this.failure = event.message ?? "Codex reported an error";
    else if (event.item && event.type.startsWith("item.")) this.item(event.type, event.item);
  }

  private item(kind: string, item: Item): void {
    if (item.type === "command_execution") this.command(kind, item);
    else if (item.type === "file_change") this.fileChange(kind, item);
    else if (item.type === "todo_list") this.plan(item);
    else if (item.type === "agent_message") {
      if (kind === "item.completed" && typeof item.text === "string") this.summary = item.text;
    } else if (item.type === "error") {
      if (typeof item.message === "string") this.emit(log("stderr", `codex: ${item.message}\n`));
    } else this.otherTool(kind, item);
  }

  private command(kind: string, item: Item): void {
    const parsed = CommandSchema.safeParse(item);
    if (!parsed.success) return;
    const { command, aggregated_output, exit_code, status } = parsed.data;
    this.call(kind, item.id, "shell", { command: unwrapShell(command) });
    if (kind !== "item.completed") return;
    const exitCode = exit_code ?? null;
    this.result(item.id, "shell", status === "completed" && exitCode === 0, aggregated_output, exitCode);
  }

  private fileChange(kind: string, item: Item): void {
    const parsed = FileChangeSchema.safeParse(item);
    if (!parsed.success) return;
    const changes = parsed.data.changes.map((c) => ({ path: this.relative(c.path), kind: c.kind }));
    this.call(kind, item.id, "apply_patch", { changes });
    if (kind !== "item.completed") return;
    const ok = parsed.data.status === "completed";
    const listing = changes.map((c) => `${KIND_MARK[c.kind] ?? "?"} ${c.path}`).join("\n");
    this.result(
      item.id,
      "apply_patch",
      ok,
      ok ? `Updated the following files:\n${listing}\n` : `patch failed:\n${listing}\n`,
    );
  }

  private plan(item: Item): void {
    const parsed = TodoSchema.safeParse(item);
    if (!parsed.success) return;
    const firstOpen = parsed.data.items.findIndex((i) => !i.completed);
    const steps: PlanStep[] = parsed.data.items.map((i, k) => ({
      step: i.text,
      status: i.completed ? "completed" : k === firstOpen ? "in_progress" : "pending",
    }));
    this.emit({ type: "plan", data: { steps } });
  }

  /** MCP calls and web searches: recorded as tools with their item as input. */
  private otherTool(kind: string, item: Item): void {
    if (item.type !== "mcp_tool_call" && item.type !== "web_search") return;
    const { id, type, status, ...input } = item;
    this.call(kind, id, type, input);
    if (kind === "item.completed") this.result(id, type, status !== "failed", JSON.stringify(input));
  }

  /** A tool_call once per item (Codex may send only item.completed for quick ones). */
  private call(kind: string, callId: string, tool: string, input: unknown): void {
    if (this.started.has(callId) || (kind !== "item.started" && kind !== "item.completed")) return;
    this.started.set(callId, Date.now());
    this.emit({ type: "tool_call", data: { callId, tool, input } });
  }

  private result(callId: string, tool: string, ok: boolean, output: string, exitCode?: number | null): void {
    const durationMs = Date.now() - (this.started.get(callId) ?? Date.now());
    const data = { callId, tool, ok, output: truncateMiddle(output, TOOL_OUTPUT_LIMIT), durationMs };
    this.emit({ type: "tool_result", data: exitCode === undefined ? data : { ...data, exitCode } });
  }

  private relative(file: string): string {
    const prefix = this.root.endsWith("/") ? this.root : `${this.root}/`;
    return file.startsWith(prefix) ? file.slice(prefix.length) : file;
  }
}

/** Splits streamed text into lines; the last, unfinished one waits for more. */
export class LineSplitter {
  private pending = "";

  constructor(private readonly onLine: (line: string) => void) {}

  push(text: string): void {
    const lines = (this.pending + text).split("\n");
    this.pending = lines.pop() ?? "";
    for (const line of lines) this.onLine(line);
  }

  end(): void {
    if (this.pending !== "") this.onLine(this.pending);
    this.pending = "";
  }
}

/** The command as the model wrote it: Codex runs each one as `/bin/bash -lc '<command>'`. */
export function unwrapShell(command: string): string {
  const m = /^\/bin\/(?:ba)?sh -lc '((?:[^']|'\\'')*)'$/s.exec(command);
  return m?.[1] === undefined ? command : m[1].replaceAll("'\\''", "'");
}

function log(stream: "stdout" | "stderr", text: string): NewEvent {
  return { type: "log", data: { stream, text, phase: "agent", source: "codex" } };
}
