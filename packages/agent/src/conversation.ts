import type { JobEvent } from "@patchbay/core";
import type { ResponseInputItem, ResponseOutputItem } from "openai/resources/responses/responses";

type CallItem = { type: string; call_id: string };

const KEPT = new Set(["message", "reasoning", "shell_call", "apply_patch_call", "function_call", "custom_tool_call"]);

/**
 * A finished job's conversation as Responses input items, for a follow-up to continue: its task,
 * then (from its last attempt) each model turn's output items unchanged — reasoning with its
 * encrypted content — each tool call followed by its output as the tool_result event recorded it,
 * and the steering messages delivered on the way. Calls whose result was never recorded are left
 * out: a request with an unanswered call is refused.
 */
export function conversationFromEvents(task: string, events: readonly JobEvent[]): ResponseInputItem[] {
  const sorted = [...events].sort((a, b) => a.seq - b.seq);
  const start = sorted.findLastIndex((e) => e.type === "model" && e.data.turn === 1);
  const attempt = start < 0 ? sorted : sorted.slice(firstBefore(sorted, start));
  const results = new Map<string, Extract<JobEvent, { type: "tool_result" }>["data"]>();
  for (const e of attempt) if (e.type === "tool_result") results.set(e.data.callId, e.data);
  const items: ResponseInputItem[] = [{ role: "user", content: task }];
  for (const e of attempt) {
    if (e.type === "user_message" && e.data.delivered) items.push({ role: "user", content: e.data.text });
    if (e.type !== "model" || !Array.isArray(e.data.output)) continue;
    // As the run sent them: the turn's items, then the outputs of its calls.
    const outputs: ResponseInputItem[] = [];
    for (const raw of e.data.output as ResponseOutputItem[]) {
      if (!KEPT.has(raw.type)) continue;
      if (!("call_id" in raw)) {
        items.push(raw as ResponseInputItem);
        continue;
      }
      const result = results.get(String(raw.call_id));
      if (!result) continue;
      items.push(raw as ResponseInputItem);
      outputs.push(outputFor(raw as CallItem, result.output, result.ok, result.exitCode));
    }
    items.push(...outputs);
  }
  return items;
}

/** Steering messages delivered right before the first model call belong to this attempt too. */
function firstBefore(events: readonly JobEvent[], modelIndex: number): number {
  let i = modelIndex;
  while (i > 0 && events[i - 1]?.type === "user_message") i--;
  return i;
}

function outputFor(
  call: CallItem,
  output: string,
  ok: boolean,
  exitCode: number | null | undefined,
): ResponseInputItem {
  const { call_id } = call;
  switch (call.type) {
    case "shell_call":
      return {
        type: "shell_call_output",
        call_id,
        output: [{ stdout: output, stderr: "", outcome: { type: "exit", exit_code: exitCode ?? (ok ? 0 : 1) } }],
      };
    case "apply_patch_call":
      return { type: "apply_patch_call_output", call_id, status: ok ? "completed" : "failed", output };
    case "custom_tool_call":
      return { type: "custom_tool_call_output", call_id, output };
    default:
      return { type: "function_call_output", call_id, output };
  }
}
