import { PatchbayError } from "@patchbay/core";
import type {
  ResponseFunctionShellCallOutputContent,
  ResponseFunctionShellToolCall,
} from "openai/resources/responses/responses";
import { truncateMiddle, truncatePair } from "../truncate.js";
import type { ToolContext, ToolRun } from "./context.js";

// Beyond this many characters per command, live log events stop (the tool result keeps the tail).
const LOG_LIMIT_FACTOR = 4;

/** One command's result, for the model and the log. */
export interface CommandRun {
  content: ResponseFunctionShellCallOutputContent;
  exitCode: number | null;
  transcript: string;
}

/** Runs a shell_call's commands one after another; a timeout stops the rest. */
export async function runShellCall(call: ResponseFunctionShellToolCall, ctx: ToolContext): Promise<ToolRun> {
  const limit = Math.min(ctx.outputLimit, call.action.max_output_length ?? Number.POSITIVE_INFINITY);
  const runs: CommandRun[] = [];
  for (const command of call.action.commands) {
    const run = await runCommand(command, call.action.timeout_ms ?? ctx.commandTimeoutMs, limit, ctx);
    runs.push(run);
    if (run.content.outcome.type === "timeout") break;
  }
  const last = runs.at(-1);
  return {
    item: {
      type: "shell_call_output",
      call_id: call.call_id,
      output: runs.map((r) => r.content),
      max_output_length: call.action.max_output_length ?? null,
    },
    ok: runs.every((r) => r.exitCode === 0),
    output: truncateMiddle(runs.map((r) => r.transcript).join("\n"), ctx.outputLimit),
    exitCode: last === undefined ? null : last.exitCode,
  };
}

/**
 * Runs one command through the workspace; the transcript is what a function-tool caller sees.
 * A model's own `timeout_ms` may shorten the operator's command timeout, never lengthen it.
 */
export async function runCommand(
  command: string,
  timeoutMs: number,
  limit: number,
  ctx: ToolContext,
  cwd?: string,
): Promise<CommandRun> {
  const result = await ctx.workspace.exec(command, {
    timeoutMs: clampToDeadline(Math.min(timeoutMs, ctx.commandTimeoutMs), ctx.deadline),
    ...(cwd === undefined ? {} : { cwd }),
    onOutput: logStreamer(ctx, limit * LOG_LIMIT_FACTOR),
    ...(ctx.signal === undefined ? {} : { signal: ctx.signal }),
  });
  const { stdout, stderr } = truncatePair(result.stdout, result.stderr, limit);
  // A process killed by a signal has no exit code; 128+9 is what a shell would report.
  const exitCode = result.timedOut ? null : (result.exitCode ?? 137);
  const outcome: ResponseFunctionShellCallOutputContent["outcome"] =
    exitCode === null ? { type: "timeout" } : { type: "exit", exit_code: exitCode };
  const status = exitCode === null ? `[timed out after ${result.durationMs} ms]` : `[exit ${exitCode}]`;
  const transcript = `$ ${command}\n${stdout}${stderr}${stdout || stderr ? "\n" : ""}${status}`;
  return { content: { stdout, stderr, outcome }, exitCode, transcript };
}

/** The time a command may take: its own timeout, cut short by the run's deadline. */
export function clampToDeadline(timeoutMs: number, deadline: number | undefined): number {
  if (deadline === undefined) return timeoutMs;
  const remaining = deadline - Date.now();
  if (remaining <= 0) {
    throw new PatchbayError("budget_exceeded", "The run's deadline passed before a command could start.", {
      details: { limit: "deadline" },
    });
  }
  return Math.min(timeoutMs, remaining);
}

function logStreamer(ctx: ToolContext, limit: number): (stream: "stdout" | "stderr", text: string) => void {
  let sent = 0;
  return (stream, text) => {
    if (sent >= limit) return;
    sent += text.length;
    const note = sent >= limit ? "\n[live output stopped here; the tool result keeps the end]\n" : "";
    ctx.emit({ type: "log", data: { stream, text: text + note, phase: "agent", source: "shell" } });
  };
}
