import type {
  Response,
  ResponseFunctionToolCall,
  ResponseInputItem,
  ResponseOutputItem,
  ResponseOutputMessage,
  ResponseStreamEvent,
  ResponseUsage,
  Tool,
} from "openai/resources/responses/responses";
import { messageText, newId } from "./items.js";

/** One answered turn, ready to be rendered as a Response or as stream events. */
export interface Answer {
  id: string;
  createdAt: number;
  model: string;
  /** The request body, whose settings are echoed back like the real API does. */
  request: Record<string, unknown>;
  output: ResponseOutputItem[];
  usage: ResponseUsage;
}

/** A Response object for the answer; in_progress ones carry no output or usage yet. */
export function buildResponse(answer: Answer, status: "in_progress" | "completed"): Response {
  const done = status === "completed";
  const output = done ? answer.output : [];
  const req = answer.request;
  return {
    id: answer.id,
    object: "response",
    created_at: answer.createdAt,
    completed_at: done ? Math.floor(Date.now() / 1000) : null,
    status,
    model: answer.model,
    output,
    output_text: output
      .filter((item): item is ResponseOutputMessage => item.type === "message")
      .map(messageText)
      .join(""),
    error: null,
    incomplete_details: null,
    instructions: (req.instructions as string | ResponseInputItem[] | undefined) ?? null,
    metadata: (req.metadata as Record<string, string> | undefined) ?? {},
    parallel_tool_calls: (req.parallel_tool_calls as boolean | undefined) ?? true,
    temperature: (req.temperature as number | undefined) ?? 1,
    top_p: (req.top_p as number | undefined) ?? 1,
    tool_choice: (req.tool_choice as Response["tool_choice"] | undefined) ?? "auto",
    tools: (req.tools as Tool[] | undefined) ?? [],
    reasoning: (req.reasoning as Response["reasoning"]) ?? null,
    ...(done ? { usage: answer.usage } : {}),
  };
}

// Events without their sequence number; numbering happens once the list is complete.
type Unnumbered = ResponseStreamEvent extends infer E
  ? E extends unknown
    ? Omit<E, "sequence_number">
    : never
  : never;

/** The SSE events a streaming Responses call emits for the answer, numbered from 0. */
export function responseEvents(answer: Answer): ResponseStreamEvent[] {
  const events: Unnumbered[] = [
    { type: "response.created", response: buildResponse(answer, "in_progress") },
    { type: "response.in_progress", response: buildResponse(answer, "in_progress") },
  ];
  answer.output.forEach((item, index) => {
    events.push(...itemEvents(item, index));
  });
  events.push({ type: "response.completed", response: buildResponse(answer, "completed") });
  return events.map((event, i) => ({ ...event, sequence_number: i }) as ResponseStreamEvent);
}

function itemEvents(item: ResponseOutputItem, index: number): Unnumbered[] {
  if (item.type === "message") return messageEvents(item, index);
  if (item.type === "function_call") return functionCallEvents(item, index);
  const started = { ...item, ...("status" in item ? { status: "in_progress" } : {}) } as ResponseOutputItem;
  return [
    { type: "response.output_item.added", output_index: index, item: started },
    { type: "response.output_item.done", output_index: index, item },
  ];
}

function messageEvents(item: ResponseOutputMessage, index: number): Unnumbered[] {
  const events: Unnumbered[] = [
    { type: "response.output_item.added", output_index: index, item: { ...item, status: "in_progress", content: [] } },
  ];
  item.content.forEach((part, contentIndex) => {
    const at = { item_id: item.id, output_index: index, content_index: contentIndex };
    if (part.type !== "output_text") {
      events.push({ type: "response.content_part.added", ...at, part });
      events.push({ type: "response.content_part.done", ...at, part });
      return;
    }
    events.push({ type: "response.content_part.added", ...at, part: { ...part, text: "" } });
    for (const delta of textChunks(part.text)) {
      events.push({ type: "response.output_text.delta", ...at, delta, logprobs: [] });
    }
    events.push({ type: "response.output_text.done", ...at, text: part.text, logprobs: [] });
    events.push({ type: "response.content_part.done", ...at, part });
  });
  events.push({ type: "response.output_item.done", output_index: index, item });
  return events;
}

function functionCallEvents(item: ResponseFunctionToolCall, index: number): Unnumbered[] {
  const id = item.id ?? newId("fc");
  const at = { item_id: id, output_index: index };
  return [
    {
      type: "response.output_item.added",
      output_index: index,
      item: { ...item, id, arguments: "", status: "in_progress" },
    },
    { type: "response.function_call_arguments.delta", ...at, delta: item.arguments },
    { type: "response.function_call_arguments.done", ...at, arguments: item.arguments, name: item.name },
    { type: "response.output_item.done", output_index: index, item },
  ];
}

/** Splits text into a few word-sized deltas so that clients really have to accumulate them. */
export function textChunks(text: string): string[] {
  const words = text.match(/\s*\S+\s*/g) ?? [text];
  const chunks: string[] = [];
  for (let i = 0; i < words.length; i += 3) chunks.push(words.slice(i, i + 3).join(""));
  return chunks.length > 0 ? chunks : [""];
}
