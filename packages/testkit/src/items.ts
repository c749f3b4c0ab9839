import { randomBytes } from "node:crypto";
import type {
  ResponseApplyPatchToolCall,
  ResponseFunctionShellToolCall,
  ResponseFunctionToolCall,
  ResponseOutputItem,
  ResponseOutputMessage,
  ResponseReasoningItem,
} from "openai/resources/responses/responses";

type RawItem = Record<string, unknown>;

/** How an item is completed: the request may ask for reasoning's encrypted content. */
export interface FillOptions {
  encryptedReasoning: boolean;
}

/** A random id in OpenAI's `<prefix>_<hex>` style. */
export function newId(prefix: string): string {
  return `${prefix}_${randomBytes(12).toString("hex")}`;
}

const ID_PREFIX: Record<string, string> = {
  message: "msg",
  reasoning: "rs",
  function_call: "fc",
  shell_call: "sh",
  apply_patch_call: "apc",
  custom_tool_call: "ctc",
  local_shell_call: "lsh",
};

/** Fills what a hand-written script item leaves out so the SDK gets a complete output item. */
export function fillItem(raw: RawItem, options: FillOptions): ResponseOutputItem {
  const type = String(raw.type);
  const base = { ...raw, id: typeof raw.id === "string" ? raw.id : newId(ID_PREFIX[type] ?? "item") };
  switch (type) {
    case "message":
      return fillMessage(base);
    case "shell_call":
      return fillShellCall(base);
    case "apply_patch_call":
      return { status: "completed", ...withCallId(base) } as ResponseApplyPatchToolCall;
    case "function_call":
      return fillFunctionCall(base);
    case "reasoning":
      return fillReasoning(base, options);
    case "custom_tool_call":
    case "local_shell_call":
      return { status: "completed", ...withCallId(base) } as ResponseOutputItem;
    default:
      // Any other Responses item is passed through; the script author vouches for its shape.
      return base as unknown as ResponseOutputItem;
  }
}

function withCallId(item: RawItem): RawItem {
  return typeof item.call_id === "string" ? item : { ...item, call_id: newId("call") };
}

function fillMessage(item: RawItem): ResponseOutputMessage {
  const { text, content, ...rest } = item;
  const parts: unknown[] =
    typeof content === "string" ? [content] : Array.isArray(content) ? content : [typeof text === "string" ? text : ""];
  return {
    ...rest,
    type: "message",
    role: "assistant",
    status: "completed",
    content: parts.map(fillContentPart),
  } as ResponseOutputMessage;
}

type ContentPart = ResponseOutputMessage["content"][number];

function fillContentPart(part: unknown): ContentPart {
  if (typeof part === "string") return { type: "output_text", text: part, annotations: [] };
  const p = part as RawItem;
  return (p.type === "output_text" ? { annotations: [], text: "", ...p } : p) as unknown as ContentPart;
}

function fillShellCall(item: RawItem): ResponseFunctionShellToolCall {
  const action = (item.action ?? {}) as RawItem;
  return {
    status: "completed",
    environment: { type: "local" },
    ...withCallId(item),
    action: { timeout_ms: null, max_output_length: null, ...action },
  } as ResponseFunctionShellToolCall;
}

function fillFunctionCall(item: RawItem): ResponseFunctionToolCall {
  const args = item.arguments;
  const text = typeof args === "string" ? args : JSON.stringify(args ?? {});
  return { status: "completed", ...withCallId(item), arguments: text } as ResponseFunctionToolCall;
}

function fillReasoning(item: RawItem, options: FillOptions): ResponseReasoningItem {
  const summary = Array.isArray(item.summary) ? item.summary.map((s: RawItem) => ({ type: "summary_text", ...s })) : [];
  const filled: RawItem = { ...item, summary };
  // Real models only return the opaque blob when asked; clients then pass it back unchanged.
  if (options.encryptedReasoning && filled.encrypted_content === undefined) {
    filled.encrypted_content = `scripted:${Buffer.from(JSON.stringify(summary)).toString("base64")}`;
  }
  return filled as unknown as ResponseReasoningItem;
}

/** The concatenated output_text of a message item (what a chat client sees as `content`). */
export function messageText(item: ResponseOutputMessage): string {
  return item.content.map((part) => (part.type === "output_text" ? part.text : "")).join("");
}
