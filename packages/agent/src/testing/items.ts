import type {
  ResponseApplyPatchToolCall,
  ResponseFunctionShellToolCall,
  ResponseFunctionToolCall,
  ResponseOutputMessage,
  ResponseReasoningItem,
} from "openai/resources/responses/responses";

/** A complete shell_call output item, as the API would return it. */
export function shellCall(callId: string, commands: string[], timeoutMs: number | null = null) {
  const item: ResponseFunctionShellToolCall = {
    type: "shell_call",
    id: `sh_${callId}`,
    call_id: callId,
    action: { commands, timeout_ms: timeoutMs, max_output_length: null },
    environment: null,
    status: "completed",
  };
  return item;
}

/** A complete apply_patch_call output item. */
export function patchCall(callId: string, operation: ResponseApplyPatchToolCall["operation"]) {
  const item: ResponseApplyPatchToolCall = {
    type: "apply_patch_call",
    id: `apc_${callId}`,
    call_id: callId,
    operation,
    status: "completed",
  };
  return item;
}

/** A function_call output item (for a tool we do not offer). */
export function functionCall(callId: string, name: string, args: string) {
  const item: ResponseFunctionToolCall = {
    type: "function_call",
    id: `fc_${callId}`,
    call_id: callId,
    name,
    arguments: args,
    status: "completed",
  };
  return item;
}

/** An assistant message output item. */
export function message(text: string) {
  const item: ResponseOutputMessage = {
    type: "message",
    id: `msg_${text.length}`,
    role: "assistant",
    status: "completed",
    content: [{ type: "output_text", text, annotations: [] }],
  };
  return item;
}

/** A reasoning item with opaque encrypted content. */
export function reasoning(encrypted: string) {
  const item: ResponseReasoningItem = { type: "reasoning", id: "rs_1", summary: [], encrypted_content: encrypted };
  return item;
}
