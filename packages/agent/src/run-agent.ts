import { addUsage, PatchbayError, type TokenUsage, ZERO_USAGE } from "@patchbay/core";
import type { FunctionTool, ResponseInputItem, ResponseOutputItem } from "openai/resources/responses/responses";
import { DEFAULT_BASE_URL } from "./adapters/client.js";
import { chooseModel, createAdapter } from "./adapters/select.js";
import { RUN_CHECKS_TOOL } from "./adapters/tools.js";
import { AgentsDocs } from "./agents-md.js";
import { LoopGuard } from "./loop-guard.js";
import { assistantText, modelEventData } from "./model-turn.js";
import { estimateCost, findPrice } from "./pricing.js";
import { ProgressLog } from "./progress.js";
import { buildInstructions } from "./prompt.js";
import { DEFAULT_RETRY, type RetryPolicy, withRetries } from "./retry.js";
import type { ToolContext } from "./tools/context.js";
import { runToolCalls } from "./tools/dispatch.js";
import { redactingWorkspace } from "./tools/redact.js";
import { SEARCH_DOCS_TOOL } from "./tools/search-docs.js";
import { UPDATE_PLAN_TOOL } from "./tools/update-plan.js";
import { TOOL_OUTPUT_LIMIT } from "./truncate.js";
import type { AgentOutcome, AgentRunOptions, ModelAdapter, ModelPrice, ModelTurn, PendingMessage } from "./types.js";
import { countedTokens } from "./usage.js";

const DEFAULT_COMMAND_TIMEOUT_MS = 120_000;

interface RunState {
  usage: TokenUsage;
  turns: number;
  summary: string | null;
  price: ModelPrice | null;
}

/** Everything fixed for the whole run. */
interface Run {
  options: AgentRunOptions;
  adapter: ModelAdapter;
  instructions: string;
  functionTools: FunctionTool[];
  history: ResponseInputItem[];
  ctx: ToolContext;
  state: RunState;
  guard: LoopGuard;
}

/**
 * Runs the model loop until the model answers without calling a tool. Throws PatchbayError:
 * model_unreachable, model_unavailable (retries used up), model_error (4xx, failed response),
 * budget_exceeded (details.limit: maxTurns | maxTokens | maxCostUsd | deadline, plus usage,
 * turns and estimatedCostUsd so far), agent_loop and cancelled.
 */
export async function runAgent(options: AgentRunOptions): Promise<AgentOutcome> {
  const run = await startRun(options);
  for (;;) {
    checkLimits(run);
    await deliverMessages(run);
    const turn = await callModel(run);
    recordTurn(run, turn);
    run.history.push(...toInputItems(turn.output));
    const outcomes = await runToolCalls(turn.output, run.ctx);
    if (outcomes.length === 0) {
      const { summary, usage, turns } = run.state;
      return { summary, usage, turns, stopReason: "completed", estimatedCostUsd: costOf(run.state) };
    }
    run.history.push(...outcomes.map((o) => o.item));
    const verdict = run.guard.afterTurn(outcomes);
    if (verdict.action === "stop") {
      throw new PatchbayError("agent_loop", verdict.message, { details: limitDetails(run.state) });
    }
    if (verdict.action === "warn") {
      run.history.push({ role: "user", content: verdict.message });
      options.emit(modelLog(`loop guard: ${verdict.message}\n`));
    }
  }
}

async function startRun(options: AgentRunOptions): Promise<Run> {
  const price = findPrice(options.prices ?? {}, chooseModel(options.model, options.api).model);
  if (options.limits.maxCostUsd !== undefined && price === null) {
    throw new PatchbayError(
      "invalid_request",
      `limits.maxCostUsd cannot be enforced: no price is known for model ${options.model}. Add it to PATCHBAY_MODEL_PRICES.`,
    );
  }
  const redact = options.redact ?? ((text: string) => text);
  const docs = new AgentsDocs(options.workspace);
  const built = await buildInstructions(options.workspace, docs, {
    runChecks: options.runChecks !== undefined,
    updatePlan: options.updatePlan === true,
  });
  const ctx: ToolContext = {
    workspace: options.redact ? redactingWorkspace(options.workspace, options.redact) : options.workspace,
    emit: options.emit,
    signal: options.signal,
    commandTimeoutMs: options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS,
    deadline: options.limits.deadline,
    outputLimit: TOOL_OUTPUT_LIMIT,
    runChecks: options.runChecks,
    searchDocs: options.searchDocs,
    updatePlan: options.updatePlan === true,
    functions: options.functions,
    docs,
    redact: options.redact,
  };
  return {
    options,
    adapter: options.adapter ?? createAdapter(options),
    // The repository's AGENTS.md files are part of the instructions: they are repository text too.
    instructions: redact(built),
    functionTools: [
      ...(options.runChecks ? [RUN_CHECKS_TOOL] : []),
      ...(options.searchDocs ? [SEARCH_DOCS_TOOL] : []),
      ...(options.updatePlan ? [UPDATE_PLAN_TOOL] : []),
      ...(options.functions ?? []).map((f) => f.definition),
    ],
    history: [...(options.priorConversation ?? []), { role: "user", content: redact(options.task) }],
    ctx,
    state: { usage: ZERO_USAGE, turns: 0, summary: null, price },
    guard: new LoopGuard(),
  };
}

/** Limits are checked before each model call, so that a call never starts past one. */
function checkLimits({ options, state }: Run): void {
  if (options.signal?.aborted) throw cancelled();
  const { maxTurns, maxTokens, maxCostUsd, deadline } = options.limits;
  if (state.turns >= maxTurns) {
    throw budgetExceeded("maxTurns", `The agent did not finish within ${maxTurns} model turns.`, state);
  }
  if (maxTokens !== undefined && countedTokens(state.usage) >= maxTokens) {
    throw budgetExceeded("maxTokens", `The agent used ${countedTokens(state.usage)} of ${maxTokens} tokens.`, state);
  }
  const cost = costOf(state);
  if (maxCostUsd !== undefined && cost !== null && cost >= maxCostUsd) {
    const spent = `an estimated $${cost.toFixed(4)} of the $${maxCostUsd} allowed`;
    throw budgetExceeded("maxCostUsd", `The agent spent ${spent}.`, state);
  }
  if (deadline !== undefined && Date.now() >= deadline) {
    throw budgetExceeded("deadline", "The agent's deadline passed.", state);
  }
}

/** Steering messages that arrived since the last call join the history as user messages. */
async function deliverMessages({ options, history }: Run): Promise<void> {
  if (!options.pendingMessages) return;
  let messages: PendingMessage[];
  try {
    messages = await options.pendingMessages();
  } catch (err) {
    options.emit(modelLog(`could not read steering messages: ${err instanceof Error ? err.message : String(err)}\n`));
    return;
  }
  const redact = options.redact ?? ((text: string) => text);
  for (const message of messages) {
    const text = redact(message.text);
    history.push({ role: "user", content: text });
    options.emit({ type: "user_message", data: { messageId: message.id, text, delivered: true } });
  }
}

async function callModel(run: Run): Promise<ModelTurn> {
  const { options } = run;
  const { deadline } = options.limits;
  const deadlineSignal = deadline === undefined ? undefined : AbortSignal.timeout(Math.max(0, deadline - Date.now()));
  const signal = AbortSignal.any([options.signal, deadlineSignal].filter((s): s is AbortSignal => s !== undefined));
  const progress = new ProgressLog(options.emit);
  const request = {
    instructions: run.instructions,
    // A copy, so that an adapter keeping the request (a test double) sees this turn's history.
    history: [...run.history],
    functionTools: run.functionTools,
    signal,
    onProgress: progress.report,
  };
  try {
    return await withRetries(() => run.adapter.nextTurn(request), {
      policy: retryPolicy(options),
      baseURL: options.client.baseURL ?? DEFAULT_BASE_URL,
      signal,
      onRetry: (n) => {
        const wait = `${(n.delayMs / 1000).toFixed(1)} s`;
        options.emit(
          modelLog(`model call failed: ${n.reason}; retry ${n.retry} of ${n.maxRetries} in ${wait}\n`, "stderr"),
        );
      },
    });
  } catch (err) {
    if (options.signal?.aborted) throw cancelled(err);
    if (deadlineSignal?.aborted)
      throw budgetExceeded("deadline", "The deadline passed during a model call.", run.state);
    throw err;
  } finally {
    progress.flush();
  }
}

function retryPolicy({ client }: AgentRunOptions): RetryPolicy {
  return {
    maxRetries: client.maxRetries ?? DEFAULT_RETRY.maxRetries,
    baseDelayMs: client.retryBaseDelayMs ?? DEFAULT_RETRY.baseDelayMs,
    maxDelayMs: client.retryMaxDelayMs ?? DEFAULT_RETRY.maxDelayMs,
  };
}

function recordTurn({ options, state }: Run, turn: ModelTurn): void {
  state.turns += 1;
  state.usage = addUsage(state.usage, turn.usage);
  const text = assistantText(turn.output);
  if (text !== null) state.summary = text;
  const { usage, output } = turn;
  const data = modelEventData({ turn: state.turns, model: options.model, usage, output, text, costUsd: costOf(state) });
  options.emit({ type: "model", data });
  if (turn.incompleteReason !== undefined) {
    options.emit(modelLog(`model response ${state.turns} is incomplete: ${turn.incompleteReason}\n`, "stderr"));
  }
}

function modelLog(text: string, stream: "stdout" | "stderr" = "stderr") {
  return { type: "log" as const, data: { stream, text, phase: "agent" as const, source: "model" } };
}

function costOf(state: RunState): number | null {
  return state.price === null ? null : estimateCost(state.usage, state.price);
}

/**
 * Output items go back as input unchanged: reasoning with its encrypted content, calls with their
 * ids. Items of tools we never offer (hosted search, computer use) have no place in the history.
 */
function toInputItems(output: ResponseOutputItem[]): ResponseInputItem[] {
  const kept = new Set(["message", "reasoning", "shell_call", "apply_patch_call", "function_call", "custom_tool_call"]);
  return output.filter((item) => kept.has(item.type)) as ResponseInputItem[];
}

function cancelled(cause?: unknown): PatchbayError {
  return new PatchbayError("cancelled", "The run was cancelled.", cause === undefined ? undefined : { cause });
}

function limitDetails(state: RunState) {
  return { usage: state.usage, turns: state.turns, estimatedCostUsd: costOf(state) };
}

function budgetExceeded(limit: "maxTurns" | "maxTokens" | "maxCostUsd" | "deadline", message: string, state: RunState) {
  return new PatchbayError("budget_exceeded", message, { details: { limit, ...limitDetails(state) } });
}
