import type { ServerResponse } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import type { ResponseOutputItem } from "openai/resources/responses/responses";
import type { ChatTurn } from "./chat.js";
import type { ScriptTurn } from "./types.js";

/** What an injected fault does to an answer that is sent. */
export interface FaultPlan {
  /** Cut the connection after this many stream events (or half a plain body). */
  dropAfter?: number;
  malformed: boolean;
}

/**
 * Applies the turn's fault for this request: waits out a slow first byte, or plans a dropped
 * stream or malformed arguments. `counters` counts per key like scripted failures do. Returns null
 * when the client went away during the wait.
 */
export async function planFault(
  turn: ScriptTurn,
  key: string,
  counters: Map<string, number>,
  res: ServerResponse,
): Promise<FaultPlan | null> {
  const fault = turn.fault;
  if (fault === undefined) return { malformed: false };
  if (fault.type === "malformed_arguments") return { malformed: true };
  const faultKey = `${key}\u0000fault`;
  const done = counters.get(faultKey) ?? 0;
  if (done >= (fault.times ?? 1)) return { malformed: false };
  counters.set(faultKey, done + 1);
  if (fault.type === "drop_stream") return { dropAfter: fault.afterEvents ?? 2, malformed: false };
  await sleep(fault.delayMs);
  return res.destroyed || res.socket?.destroyed ? null : { malformed: false };
}

/** Arguments cut short so that they no longer parse as JSON. */
export function breakArguments(args: string): string {
  return args.slice(0, Math.max(1, args.length - 2));
}

/** Responses output with every function call's arguments broken. */
export function malformedOutput(output: ResponseOutputItem[]): ResponseOutputItem[] {
  return output.map((item) =>
    item.type === "function_call" ? { ...item, arguments: breakArguments(item.arguments) } : item,
  );
}

/** A chat turn with every tool call's arguments broken. */
export function malformedChatTurn(turn: ChatTurn): ChatTurn {
  return {
    ...turn,
    toolCalls: turn.toolCalls.map((c) => ({
      ...c,
      function: { ...c.function, arguments: breakArguments(c.function.arguments) },
    })),
  };
}

/** Sends the first half of a JSON body under a full content-length, then cuts the connection. */
export function sendTruncatedJson(res: ServerResponse, value: unknown): void {
  const text = JSON.stringify(value);
  res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.write(text.slice(0, Math.floor(text.length / 2)), () => res.destroy());
}

/** Cuts the connection once what was written so far has reached the client. */
export function dropAfterFlush(res: ServerResponse): void {
  res.write("", () => res.destroy());
}
