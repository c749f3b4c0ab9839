import { addUsage, PatchbayError, type TokenUsage, ZERO_USAGE } from "@patchbay/core";
import type { ResponseInputItem, ResponseOutputItem } from "openai/resources/responses/responses";
import { buildInstructions } from "./prompt.js";
import { createResponsesAdapter } from "./responses-adapter.js";
import type { ToolContext } from "./tools/context.js";
import { runToolCalls } from "./tools/dispatch.js";
import { TOOL_OUTPUT_LIMIT } from "./truncate.js";
import type { AgentOutcome, AgentRunOptions, ModelAdapter, ModelTurn } from "./types.js";
import { countedTokens } from "./usage.js";

const DEFAULT_COMMAND_TIMEOUT_MS = 120_000;

interface RunState {
  usage: TokenUsage;
  turns: number;
  summary: string | null;
}

/**
 * Runs the model loop until the model answers without calling a tool. Throws PatchbayError:
 * model_unreachable, model_error, budget_exceeded (details.limit: maxTurns | maxTokens |
 * deadline, plus usage and turns so far) and cancelled.
 */
export async function runAgent(options: AgentRunOptions): Promise<AgentOutcome> {
  const instructions = await buildInstructions(options.workspace);
  const adapter = options.adapter ?? createResponsesAdapter(options);
  const ctx: ToolContext = {
    workspace: options.workspace,
    emit: options.emit,
    signal: options.signal,
    commandTimeoutMs: options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS,
    deadline: options.limits.deadline,
    outputLimit: TOOL_OUTPUT_LIMIT,
  };
  const history: ResponseInputItem[] = [{ role: "user", content: options.task }];
  const state: RunState = { usage: ZERO_USAGE, turns: 0, summary: null };
  for (;;) {
    checkLimits(options, state);
    const turn = await callModel(adapter, instructions, history, options, state);
    recordTurn(options, state, turn);
    history.push(...toInputItems(turn.output));
    const results = await runToolCalls(turn.output, ctx);
    if (results.length === 0) {
      return { summary: state.summary, usage: state.usage, turns: state.turns, stopReason: "completed" };
    }
    history.push(...results);
  }
}

/** Limits are checked before each model call, so that a call never starts past one. */
function checkLimits(options: AgentRunOptions, state: RunState): void {
  if (options.signal?.aborted) throw cancelled();
  const { maxTurns, maxTokens, deadline } = options.limits;
  if (state.turns >= maxTurns) {
    throw budgetExceeded("maxTurns", `The agent did not finish within ${maxTurns} model turns.`, state);
  }
  if (maxTokens !== undefined && countedTokens(state.usage) >= maxTokens) {
    throw budgetExceeded("maxTokens", `The agent used ${countedTokens(state.usage)} of ${maxTokens} tokens.`, state);
  }
  if (deadline !== undefined && Date.now() >= deadline) {
    throw budgetExceeded("deadline", "The agent's deadline passed.", state);
  }
}

async function callModel(
  adapter: ModelAdapter,
  instructions: string,
  history: ResponseInputItem[],
  options: AgentRunOptions,
  state: RunState,
): Promise<ModelTurn> {
  const { deadline } = options.limits;
  const deadlineSignal = deadline === undefined ? undefined : AbortSignal.timeout(Math.max(0, deadline - Date.now()));
  const signals = [options.signal, deadlineSignal].filter((s): s is AbortSignal => s !== undefined);
  const signal = AbortSignal.any(signals);
  try {
    // A copy, so that an adapter keeping the request (a test double) sees this turn's history.
    return await adapter.nextTurn({ instructions, history: [...history], signal });
  } catch (err) {
    if (options.signal?.aborted) throw cancelled(err);
    if (deadlineSignal?.aborted) throw budgetExceeded("deadline", "The deadline passed during a model call.", state);
    throw err;
  }
}

function recordTurn(options: AgentRunOptions, state: RunState, turn: ModelTurn): void {
  state.turns += 1;
  state.usage = addUsage(state.usage, turn.usage);
  const text = assistantText(turn.output);
  if (text !== null) state.summary = text;
  options.emit({
    type: "model",
    data: {
      turn: state.turns,
      model: options.model,
      usage: turn.usage,
      itemTypes: turn.output.map((item) => item.type),
      ...(text === null ? {} : { text }),
    },
  });
  if (turn.incompleteReason !== undefined) {
    const text = `model response ${state.turns} is incomplete: ${turn.incompleteReason}\n`;
    options.emit({ type: "log", data: { stream: "stderr", text, phase: "agent", source: "model" } });
  }
}

/** The text of the assistant messages in a turn, or null when it has none. */
function assistantText(output: ResponseOutputItem[]): string | null {
  const texts: string[] = [];
  for (const item of output) {
    if (item.type !== "message") continue;
    for (const part of item.content) {
      if (part.type === "output_text" && part.text.trim() !== "") texts.push(part.text.trim());
    }
  }
  return texts.length === 0 ? null : texts.join("\n\n");
}

/**
 * Output items go back as input unchanged: reasoning with its encrypted content, calls with their
 * ids. Items of tools we never offer (hosted search, computer use) have no place in the history.
 */
function toInputItems(output: ResponseOutputItem[]): ResponseInputItem[] {
  const items: ResponseInputItem[] = [];
  for (const item of output) {
    switch (item.type) {
      case "message":
      case "reasoning":
      case "shell_call":
      case "apply_patch_call":
      case "function_call":
      case "custom_tool_call":
        items.push(item);
    }
  }
  return items;
}

function cancelled(cause?: unknown): PatchbayError {
  return new PatchbayError("cancelled", "The run was cancelled.", cause === undefined ? undefined : { cause });
}

function budgetExceeded(limit: "maxTurns" | "maxTokens" | "deadline", message: string, state: RunState) {
  return new PatchbayError("budget_exceeded", message, {
    details: { limit, usage: state.usage, turns: state.turns },
  });
}
