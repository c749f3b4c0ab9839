import { PatchbayError } from "@patchbay/core";
import type { ResponseInputItem, ResponseOutputItem } from "openai/resources/responses/responses";
import { formatNestedDocs } from "../agents-md.js";
import { applyPatchText, formatPatchResult } from "../patch/apply.js";
import { PatchError } from "../patch/types.js";
import { dirsOf, runApplyPatchCall } from "./apply-patch.js";
import type { ToolContext, ToolOutcome, ToolRun } from "./context.js";
import { functionToolNames, runFunctionCall } from "./functions.js";
import { redactStrings } from "./redact.js";
import { runShellCall } from "./shell.js";

/**
 * Runs every tool call of a model turn in order and returns their outcomes; an empty list means
 * the turn called no tool, so the run is complete.
 */
export async function runToolCalls(output: ResponseOutputItem[], ctx: ToolContext): Promise<ToolOutcome[]> {
  const results: ToolOutcome[] = [];
  for (const item of output) {
    const result = await runItem(item, ctx);
    if (result !== null) results.push(result);
  }
  return results;
}

function runItem(item: ResponseOutputItem, ctx: ToolContext): Promise<ToolOutcome> | null {
  switch (item.type) {
    case "shell_call":
      return traced(ctx, item.call_id, "shell", item.action, () => runShellCall(item, ctx));
    case "apply_patch_call":
      return traced(ctx, item.call_id, "apply_patch", item.operation, () => runApplyPatchCall(item, ctx));
    case "function_call":
      return traced(ctx, item.call_id, item.name, item.arguments, () => runFunctionCall(item, ctx));
    case "custom_tool_call":
      return traced(ctx, item.call_id, item.name, item.input, () =>
        runCustomCall(item.call_id, item.name, item.input, ctx),
      );
    default:
      return null;
  }
}

// GPT-5 models trained on Codex's freeform apply_patch may send it as a custom tool call.
async function runCustomCall(callId: string, name: string, input: string, ctx: ToolContext): Promise<ToolRun> {
  let output = `Tool '${name}' does not exist. Available tools: ${functionToolNames(ctx).join(", ")}.`;
  let ok = false;
  let touchedDirs: string[] = [];
  if (name === "apply_patch") {
    try {
      const result = await applyPatchText(ctx.workspace, input);
      [output, ok, touchedDirs] = [formatPatchResult(result), true, dirsOf(result)];
    } catch (err) {
      output = err instanceof PatchError ? err.message : `Failed to apply the patch: ${String(err)}`;
    }
  }
  return { item: { type: "custom_tool_call_output", call_id: callId, output }, ok, output, touchedDirs };
}

/** Emits tool_call, runs the tool, emits tool_result; cancellation stops the run between tools. */
async function traced(
  ctx: ToolContext,
  callId: string,
  tool: string,
  input: unknown,
  run: () => Promise<ToolRun>,
): Promise<ToolOutcome> {
  if (ctx.signal?.aborted) throw new PatchbayError("cancelled", "The run was cancelled.");
  ctx.emit({ type: "tool_call", data: { callId, tool, input } });
  const started = Date.now();
  const result = await run()
    .then((r) => withNestedDocs(r, ctx))
    .then((r) => redacted(r, ctx))
    .catch((err: unknown) => {
      // Keep tool_call and tool_result paired in the event log even when the run ends here.
      const message = err instanceof Error ? err.message : String(err);
      const output = ctx.redact ? ctx.redact(message) : message;
      ctx.emit({ type: "tool_result", data: { callId, tool, ok: false, output, durationMs: Date.now() - started } });
      throw err;
    });
  const durationMs = Date.now() - started;
  const { ok, output } = result;
  const exitCode = result.exitCode === undefined ? {} : { exitCode: result.exitCode };
  ctx.emit({ type: "tool_result", data: { callId, tool, ok, output, durationMs, ...exitCode } });
  // A command killed by the abort has a result, but the run must not go on to the model.
  if (ctx.signal?.aborted) throw new PatchbayError("cancelled", "The run was cancelled.");
  return {
    item: result.item,
    fingerprint: JSON.stringify([tool, input, output]),
    malformed: result.malformed === true,
  };
}

/** The run with the secrets taken out of what goes to the model and into the tool_result event. */
function redacted(run: ToolRun, ctx: ToolContext): ToolRun {
  const redact = ctx.redact;
  if (!redact) return run;
  return { ...run, item: redactStrings(run.item, redact), output: redact(run.output) };
}

/** Appends AGENTS.md files of folders the call touched for the first time to its output. */
async function withNestedDocs(run: ToolRun, ctx: ToolContext): Promise<ToolRun> {
  if (!ctx.docs || !run.touchedDirs?.length) return run;
  const docs = await ctx.docs.forFiles(run.touchedDirs.map((dir) => `${dir}/_`));
  if (docs.length === 0) return run;
  const extra = formatNestedDocs(docs);
  const item = run.item;
  if ("output" in item && typeof item.output === "string") {
    return { ...run, item: { ...item, output: item.output + extra } as ResponseInputItem, output: run.output + extra };
  }
  // Shell outputs are structured; the note rides on the last command's stdout.
  if (item.type === "shell_call_output") {
    const last = item.output.at(-1);
    if (last) last.stdout += extra;
  }
  return { ...run, output: run.output + extra };
}
