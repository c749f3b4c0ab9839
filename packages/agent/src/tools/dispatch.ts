import { PatchbayError } from "@patchbay/core";
import type { ResponseInputItem, ResponseOutputItem } from "openai/resources/responses/responses";
import { runApplyPatchCall } from "./apply-patch.js";
import type { ToolContext, ToolRun } from "./context.js";
import { runShellCall } from "./shell.js";

const AVAILABLE = "Available tools: shell, apply_patch.";

/**
 * Runs every tool call of a model turn in order and returns their output items; an empty list
 * means the turn called no tool, so the run is complete.
 */
export async function runToolCalls(output: ResponseOutputItem[], ctx: ToolContext): Promise<ResponseInputItem[]> {
  const results: ResponseInputItem[] = [];
  for (const item of output) {
    const result = await runItem(item, ctx);
    if (result !== null) results.push(result);
  }
  return results;
}

function runItem(item: ResponseOutputItem, ctx: ToolContext): Promise<ResponseInputItem> | null {
  switch (item.type) {
    case "shell_call":
      return traced(ctx, item.call_id, "shell", item.action, () => runShellCall(item, ctx));
    case "apply_patch_call":
      return traced(ctx, item.call_id, "apply_patch", item.operation, () => runApplyPatchCall(item, ctx));
    case "function_call":
      return traced(ctx, item.call_id, item.name, item.arguments, async () => {
        const output = `Tool '${item.name}' does not exist. ${AVAILABLE}`;
        return { item: { type: "function_call_output", call_id: item.call_id, output }, ok: false, output };
      });
    case "custom_tool_call":
      return traced(ctx, item.call_id, item.name, item.input, async () => {
        const output = `Tool '${item.name}' does not exist. ${AVAILABLE}`;
        return { item: { type: "custom_tool_call_output", call_id: item.call_id, output }, ok: false, output };
      });
    default:
      return null;
  }
}

/** Emits tool_call, runs the tool, emits tool_result; cancellation stops the run between tools. */
async function traced(
  ctx: ToolContext,
  callId: string,
  tool: string,
  input: unknown,
  run: () => Promise<ToolRun>,
): Promise<ResponseInputItem> {
  if (ctx.signal?.aborted) throw new PatchbayError("cancelled", "The run was cancelled.");
  ctx.emit({ type: "tool_call", data: { callId, tool, input } });
  const started = Date.now();
  const result = await run().catch((err: unknown) => {
    // Keep tool_call and tool_result paired in the event log even when the run ends here.
    const output = err instanceof Error ? err.message : String(err);
    ctx.emit({ type: "tool_result", data: { callId, tool, ok: false, output, durationMs: Date.now() - started } });
    throw err;
  });
  const durationMs = Date.now() - started;
  const { ok, output } = result;
  const exitCode = result.exitCode === undefined ? {} : { exitCode: result.exitCode };
  ctx.emit({ type: "tool_result", data: { callId, tool, ok, output, durationMs, ...exitCode } });
  // A command killed by the abort has a result, but the run must not go on to the model.
  if (ctx.signal?.aborted) throw new PatchbayError("cancelled", "The run was cancelled.");
  return result.item;
}
