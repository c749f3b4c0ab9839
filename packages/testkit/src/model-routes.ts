import { createHash } from "node:crypto";
import type { ServerResponse } from "node:http";
import type { ResponseOutputItem } from "openai/resources/responses/responses";
import { buildChatCompletion, chatChunks, toChatTurn } from "./chat.js";
import {
  dropAfterFlush,
  type FaultPlan,
  malformedChatTurn,
  malformedOutput,
  planFault,
  sendTruncatedJson,
} from "./faults.js";
import { sendError, sendJson, startSse, writeSse } from "./http.js";
import { fillItem, newId } from "./items.js";
import { type Answer, buildResponse, responseEvents } from "./responses.js";
import { buildUsage, chatTurnStarts, responsesTurnStarts, selectTurn } from "./turns.js";
import type { ModelScript, ScriptTurn } from "./types.js";

/** What the model endpoints need from the server: script lookup and the failure counters. */
export interface ModelContext {
  findScript(name: string): Promise<ModelScript | undefined>;
  /** Times each (script, turn, history) has failed so far, so that a retry can get through. */
  failures: Map<string, number>;
}

type Body = Record<string, unknown>;

/** The key of a scripted failure: one script turn for one exact conversation history. */
export function failureKey(name: string, turn: number, history: unknown): string {
  const digest = createHash("sha256")
    .update(JSON.stringify(history) ?? "")
    .digest("hex");
  return `${name}\u0000${turn}\u0000${digest}`;
}

interface Resolved {
  turn: ScriptTurn;
  output: ResponseOutputItem[];
  fault: FaultPlan;
}

// Finds the script turn for a request and answers the scripted HTTP error instead when the turn
// still has failures left; undefined means the response has already been sent.
async function resolveTurn(ctx: ModelContext, res: ServerResponse, body: Body, history: unknown, turnIndex: number) {
  const model = body.model;
  if (typeof model !== "string") {
    sendError(res, 400, { message: "you must provide a model parameter", param: "model", code: "missing_model" });
    return undefined;
  }
  const name = model.startsWith("script:") ? model.slice("script:".length) : undefined;
  const script = name === undefined ? undefined : await ctx.findScript(name);
  if (name === undefined || script === undefined) {
    const message = `The model \`${model}\` does not exist: the scripted model server only knows script:<name> models (see GET /v1/models)`;
    sendError(res, 404, { message, type: "invalid_request_error", param: "model", code: "model_not_found" });
    return undefined;
  }
  const turn = selectTurn(script, turnIndex);
  const key = failureKey(name, turnIndex, history);
  if (turn.status !== undefined && failNow(ctx, key, turn)) {
    sendScriptedError(res, turn, turn.status);
    return undefined;
  }
  const fault = await planFault(turn, key, ctx.failures, res);
  if (fault === null) return undefined;
  const encryptedReasoning = Array.isArray(body.include) && body.include.includes("reasoning.encrypted_content");
  const output = turn.output.map((item) => fillItem(item, { encryptedReasoning }));
  return { turn, output, fault } satisfies Resolved;
}

function failNow(ctx: ModelContext, key: string, turn: ScriptTurn): boolean {
  const failed = ctx.failures.get(key) ?? 0;
  if (failed >= (turn.failures ?? 1)) return false;
  ctx.failures.set(key, failed + 1);
  return true;
}

function sendScriptedError(res: ServerResponse, turn: ScriptTurn, status: number): void {
  const rateLimited = status === 429;
  const error = {
    message: turn.error?.message ?? `scripted ${status} error`,
    type: turn.error?.type ?? (rateLimited ? "requests" : undefined),
    code: turn.error?.code ?? (rateLimited ? "rate_limit_exceeded" : undefined),
  };
  // A short retry-after-ms keeps the SDK's own retries fast in tests unless the script says otherwise.
  sendError(res, status, error, turn.headers ?? { "retry-after-ms": "10" });
}

/** POST /v1/responses, plain or `stream: true`. */
export async function handleResponses(ctx: ModelContext, res: ServerResponse, body: Body): Promise<void> {
  const input = body.input;
  const starts = responsesTurnStarts(input);
  const resolved = await resolveTurn(ctx, res, body, input, starts.length);
  if (!resolved) return;
  const lastStart = starts.at(-1);
  const cachedPrefix =
    lastStart === undefined || !Array.isArray(input) ? undefined : { ...body, input: input.slice(0, lastStart) };
  const answer: Answer = {
    id: newId("resp"),
    createdAt: Math.floor(Date.now() / 1000),
    model: String(body.model),
    request: body,
    output: resolved.fault.malformed ? malformedOutput(resolved.output) : resolved.output,
    usage: buildUsage({ request: body, cachedPrefix, output: resolved.output }, resolved.turn.usage),
  };
  const { dropAfter } = resolved.fault;
  if (body.stream !== true) {
    if (dropAfter !== undefined) return sendTruncatedJson(res, buildResponse(answer, "completed"));
    sendJson(res, 200, buildResponse(answer, "completed"));
    return;
  }
  startSse(res);
  const events = responseEvents(answer);
  for (const event of events.slice(0, dropAfter ?? events.length)) writeSse(res, event, event.type);
  if (dropAfter !== undefined) dropAfterFlush(res);
  else res.end();
}

/** POST /v1/chat/completions, plain or `stream: true`. */
export async function handleChatCompletions(ctx: ModelContext, res: ServerResponse, body: Body): Promise<void> {
  const messages = body.messages;
  const starts = chatTurnStarts(messages);
  const resolved = await resolveTurn(ctx, res, body, messages, starts.length);
  if (!resolved) return;
  const lastStart = starts.at(-1);
  const cachedPrefix =
    lastStart === undefined || !Array.isArray(messages)
      ? undefined
      : { ...body, messages: messages.slice(0, lastStart) };
  const usage = buildUsage({ request: body, cachedPrefix, output: resolved.output }, resolved.turn.usage);
  const meta = {
    id: newId("chatcmpl").replace("_", "-"),
    created: Math.floor(Date.now() / 1000),
    model: String(body.model),
  };
  const chatTurn = toChatTurn(resolved.output);
  const turn = resolved.fault.malformed ? malformedChatTurn(chatTurn) : chatTurn;
  const { dropAfter } = resolved.fault;
  if (body.stream !== true) {
    if (dropAfter !== undefined) return sendTruncatedJson(res, buildChatCompletion(meta, turn, usage));
    sendJson(res, 200, buildChatCompletion(meta, turn, usage));
    return;
  }
  const options = body.stream_options as { include_usage?: boolean } | undefined;
  startSse(res);
  const chunks = chatChunks(meta, turn, options?.include_usage ? usage : undefined);
  for (const chunk of chunks.slice(0, dropAfter ?? chunks.length)) writeSse(res, chunk);
  if (dropAfter !== undefined) return dropAfterFlush(res);
  writeSse(res, "[DONE]");
  res.end();
}
