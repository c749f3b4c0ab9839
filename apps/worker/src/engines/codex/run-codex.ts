import { assistantText, DEFAULT_BASE_URL, modelEventData, usageFromResponses } from "@patchbay/agent";
import { type EventSink, type ExecResult, PatchbayError } from "@patchbay/core";
import type { Sandbox } from "@patchbay/sandbox";
import type { Logger } from "pino";
import type { AgentSummary } from "../../pipeline/agent-phase.js";
import type { PipelineSettings } from "../../pipeline/settings.js";
import { CodexBudget, type CodexLimits } from "./codex-budget.js";
import { codexConfigToml, codexModel } from "./codex-config.js";
import { CodexEventMapper, LineSplitter } from "./codex-events.js";
import { type ModelProxy, startModelProxy } from "./model-proxy.js";
import type { ModelResponse } from "./model-response.js";
import { CODEX_SANDBOX_PATHS } from "./paths.js";

const DEADLINE_GRACE_MS = 30_000;

/** One Codex run in a job's sandbox. */
export interface CodexRunInput {
  sandbox: Sandbox;
  model: string;
  reasoningEffort?: string;
  task: string;
  limits: CodexLimits & { deadline: number };
  settings: PipelineSettings["model"];
  /** The host end of the model socket (in the folder mounted at CODEX_SANDBOX_PATHS.socketDir). */
  socketPath: string;
  emit: EventSink;
  signal: AbortSignal;
  redact?: (text: string) => string;
  logger: Logger;
}

/**
 * Runs `codex exec --json` in the sandbox in place of Patchbay's loop: its model calls go through
 * the model proxy (key added on the worker's side, limits enforced, each turn recorded), its
 * JSONL events become the job's tool events. The change stays in the workspace for the pipeline.
 */
export async function runCodex(input: CodexRunInput): Promise<AgentSummary> {
  const model = codexModel(input.model);
  const budget = new CodexBudget(input.limits, input.model, input.settings.prices ?? {});
  const stop = new AbortController();
  let lastText: string | null = null;
  const proxy = await startModelProxy({
    socketPath: input.socketPath,
    upstream: {
      baseURL: input.settings.baseURL ?? DEFAULT_BASE_URL,
      apiKey: input.settings.apiKey,
      timeoutMs: input.settings.timeoutMs,
    },
    admit: () => {
      const refusal = budget.admit();
      if (refusal) stop.abort();
      return refusal;
    },
    onResponse: (response) => {
      lastText = recordTurn(input, budget, response) ?? lastText;
    },
    ...(input.redact ? { redact: input.redact } : {}),
    logger: input.logger,
  });
  try {
    await prepareSandbox(input, model);
    const mapper = new CodexEventMapper(input.emit, input.sandbox.root);
    const result = await execCodex(input, mapper, stop.signal, budget);
    checkOutcome(input, result, mapper, budget, proxy);
    const costUsd = budget.costUsd();
    return { summary: mapper.summary ?? lastText, usage: budget.usage, turns: budget.turns, estimatedCostUsd: costUsd };
  } finally {
    await proxy.close();
  }
}

/** Counts a finished model call and reports it as our loop does; returns its assistant text. */
function recordTurn(input: CodexRunInput, budget: CodexBudget, response: ModelResponse): string | null {
  const usage = usageFromResponses(response.usage);
  budget.record(usage);
  const text = assistantText(response.output);
  const { output } = response;
  const data = modelEventData({
    turn: budget.turns,
    model: input.model,
    usage,
    output,
    text,
    costUsd: budget.costUsd(),
  });
  input.emit({ type: "model", data });
  return text;
}

/** Writes Codex's configuration and the task into the sandbox's home and starts the socket bridge. */
async function prepareSandbox(input: CodexRunInput, model: string): Promise<void> {
  const { home, bridge, socketDir, port } = CODEX_SANDBOX_PATHS;
  const config = codexConfigToml({
    model,
    ...(input.reasoningEffort ? { reasoningEffort: input.reasoningEffort } : {}),
    baseUrl: `http://127.0.0.1:${port}/v1`,
    retries: Math.max(1, input.settings.maxRetries),
  });
  const b64 = (text: string) => Buffer.from(text, "utf8").toString("base64");
  const script = [
    `mkdir -p ${home}`,
    `printf '%s' '${b64(config)}' | base64 -d > ${home}/config.toml`,
    `printf '%s' '${b64(input.task)}' | base64 -d > ${home}/task.md`,
    `${bridge} --daemon 127.0.0.1:${port} ${socketDir}/model.sock`,
  ].join(" && ");
  const result = await input.sandbox.exec(script, { timeoutMs: 30_000, signal: input.signal });
  if (result.exitCode !== 0) {
    throw new PatchbayError("engine_failed", `Codex could not be set up in the sandbox: ${tail(result)}`);
  }
}

async function execCodex(
  input: CodexRunInput,
  mapper: CodexEventMapper,
  stop: AbortSignal,
  budget: CodexBudget,
): Promise<ExecResult> {
  const { home, binary, pathDir } = CODEX_SANDBOX_PATHS;
  const lines = new LineSplitter((line) => mapper.line(line));
  const command =
    `CODEX_HOME=${home} PATH=${pathDir}:$PATH ${binary} exec --json --skip-git-repo-check --color never ` +
    `-C ${input.sandbox.root} - < ${home}/task.md`;
  try {
    return await input.sandbox.exec(command, {
      cwd: input.sandbox.root,
      // The job's own timer ends it at the deadline (timed_out, the patch so far kept); this is the backstop.
      timeoutMs: Math.max(1000, input.limits.deadline - Date.now() + DEADLINE_GRACE_MS),
      signal: AbortSignal.any([input.signal, stop]),
      onOutput: (stream, text) => {
        if (stream === "stdout") lines.push(text);
        else input.emit({ type: "log", data: { stream, text, phase: "agent", source: "codex" } });
      },
    });
  } catch (err) {
    // Our own stop (a limit) aborts the command; the job's cancel is passed on as it is.
    if (!input.signal.aborted && budget.reached) throw budget.exceeded(budget.reached, limitMessage(budget));
    throw err;
  } finally {
    lines.end();
  }
}

/** Maps how Codex ended onto the job's outcome: limits, the model's failures, Codex's own. */
function checkOutcome(
  input: CodexRunInput,
  result: ExecResult,
  mapper: CodexEventMapper,
  budget: CodexBudget,
  proxy: ModelProxy,
): void {
  if (budget.reached) throw budget.exceeded(budget.reached, limitMessage(budget));
  if (result.timedOut) throw budget.exceeded("deadline", "The job's time ran out while Codex was working.");
  if (result.exitCode === 0 && mapper.failure === null) return;
  const why = mapper.failure ?? tail(result);
  if (proxy.lastError) {
    const code = modelErrorCode(proxy.lastError.status);
    throw new PatchbayError(code, `Codex stopped after a failed model call (${proxy.lastError.message}): ${why}`);
  }
  if (result.reason === "oom" || result.reason === "pids_limit") {
    throw new PatchbayError("engine_failed", `Codex was stopped by the sandbox's ${result.reason} limit: ${why}`);
  }
  input.logger.info({ exitCode: result.exitCode, why }, "codex failed");
  throw new PatchbayError("engine_failed", `Codex exited with ${result.exitCode}: ${why}`);
}

/** As the agent loop names them: no answer, an endpoint that kept failing (429, 5xx), or a refusal. */
function modelErrorCode(status: number | null): "model_unreachable" | "model_unavailable" | "model_error" {
  if (status === null) return "model_unreachable";
  return status === 429 || status >= 500 ? "model_unavailable" : "model_error";
}

function limitMessage(budget: CodexBudget): string {
  return `Codex was stopped: the job's ${budget.reached} limit was reached after ${budget.turns} model turns.`;
}

function tail(result: ExecResult): string {
  return (result.stderr.trim() || result.stdout.trim()).slice(-1000) || `exit code ${result.exitCode}`;
}
