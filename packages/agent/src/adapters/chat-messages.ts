import type {
  ChatCompletionAssistantMessageParam,
  ChatCompletionMessageFunctionToolCall,
  ChatCompletionMessageParam,
} from "openai/resources/chat/completions";
import type { ResponseInputItem, ResponseOutputItem } from "openai/resources/responses/responses";

type Item = ResponseInputItem | ResponseOutputItem;

/**
 * The run's transcript (Responses items) as chat messages: the instructions as the system
 * message, each model turn (a run of model items) as one assistant message, tool outputs as tool
 * messages. Deterministic, so that every request starts with the previous one's messages.
 */
export function toChatMessages(instructions: string, history: ResponseInputItem[]): ChatCompletionMessageParam[] {
  const messages: ChatCompletionMessageParam[] = [{ role: "system", content: instructions }];
  let assistant: AssistantDraft | null = null;
  for (const item of history) {
    if (isModelItem(item)) {
      assistant ??= { texts: [], toolCalls: [] };
      addModelItem(assistant, item);
      continue;
    }
    if (assistant) messages.push(finish(assistant));
    assistant = null;
    const message = otherMessage(item);
    if (message) messages.push(message);
  }
  if (assistant) messages.push(finish(assistant));
  return messages;
}

interface AssistantDraft {
  texts: string[];
  toolCalls: ChatCompletionMessageFunctionToolCall[];
}

function isModelItem(item: Item): boolean {
  if (!("type" in item) || item.type === "message") return "role" in item && item.role === "assistant";
  return item.type === "function_call" || item.type === "reasoning" || item.type === "custom_tool_call";
}

function addModelItem(draft: AssistantDraft, item: Item): void {
  if (!("type" in item) || item.type === "message") {
    const text = messageText(item);
    if (text !== "") draft.texts.push(text);
  } else if (item.type === "function_call") {
    draft.toolCalls.push({
      id: item.call_id,
      type: "function",
      function: { name: item.name, arguments: item.arguments },
    });
  } else if (item.type === "custom_tool_call") {
    const args = JSON.stringify({ input: item.input });
    draft.toolCalls.push({ id: item.call_id, type: "function", function: { name: item.name, arguments: args } });
  }
}

function finish(draft: AssistantDraft): ChatCompletionAssistantMessageParam {
  const content = draft.texts.length === 0 ? null : draft.texts.join("\n\n");
  return { role: "assistant", content, ...(draft.toolCalls.length > 0 ? { tool_calls: draft.toolCalls } : {}) };
}

function otherMessage(item: Item): ChatCompletionMessageParam | null {
  if (!("type" in item) || item.type === "message") {
    const role = "role" in item ? item.role : "user";
    const content = messageText(item);
    return role === "system" || role === "developer" ? { role: "system", content } : { role: "user", content };
  }
  if (item.type === "function_call_output" || item.type === "custom_tool_call_output") {
    const output = typeof item.output === "string" ? item.output : JSON.stringify(item.output);
    return { role: "tool", tool_call_id: item.call_id, content: output };
  }
  return null;
}

function messageText(item: Item): string {
  const content = "content" in item ? item.content : undefined;
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content
    .map((part: { type: string; text?: string }) =>
      (part.type === "output_text" || part.type === "input_text") && typeof part.text === "string" ? part.text : "",
    )
    .join("");
}
