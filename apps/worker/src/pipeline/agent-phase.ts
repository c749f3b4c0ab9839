import { type AgentFunctionTool, type AgentRunOptions, runAgent, summarizeChecks } from "@patchbay/agent";

type Conversation = NonNullable<AgentRunOptions["priorConversation"]>;

import { type ChecksPlan, runChecks } from "@patchbay/checks";
import { type EventSink, PatchbayError, type TokenUsage, type Workspace } from "@patchbay/core";
import type { JobRecord } from "@patchbay/db";
import type { Sandbox } from "@patchbay/sandbox";
import type { AgentEngine } from "../engines/engine.js";
import { jobTimedOut } from "./abort.js";
import { askTask, type JobKnowledge } from "./knowledge.js";
import type { PipelineSettings } from "./settings.js";
import { type SteeringSource, steeringInbox } from "./steering.js";

/** What the agent phase leaves for the job's result. */
export interface AgentSummary {
  summary: string | null;
  usage: TokenUsage;
  turns: number;
  estimatedCostUsd: number | null;
}

export interface AgentPhaseInput {
  job: JobRecord;
  settings: PipelineSettings;
  sandbox: Sandbox;
  /** The checks the agent may run through `run_checks`; none for an ask job. */
  plan: ChecksPlan | null;
  knowledge: JobKnowledge | null;
  emit: EventSink;
  signal: AbortSignal;
  /**
   * Takes the project's secrets out of text (JobSecrets.redact): applied to every tool output
   * and the instructions before the model sees them, and to the repository files indexed for
   * search_docs.
   */
  redact?: (text: string) => string;
  /** The job's events: steering messages sent while it runs reach the model from there. */
  events?: SteeringSource;
  /** A follow-up's earlier conversation (startFollowUp), sent before its task. */
  conversation?: Conversation;
  /** Works in the sandbox instead of Patchbay's loop (JobSpec engine "codex"). */
  engine?: AgentEngine;
  /** Replaces the job's task (a review job's task carries the diff). */
  task?: string;
  /** Function tools the caller runs (a review's report_findings). */
  functions?: AgentFunctionTool[];
  /** A best-of-N job's attempt number: sent with each model request as X-Patchbay-Candidate. */
  candidate?: number;
  /**
   * Still being done in the sandbox (the workspace snapshot): the agent's commands and writes
   * wait for it, its first model call and its reads do not. A rejection fails them.
   */
  before?: Promise<unknown>;
}

/** The agent phase: the model loop in the job's sandbox, within the job's limits. */
export async function runAgentPhase(input: AgentPhaseInput): Promise<AgentSummary> {
  try {
    if (input.engine) {
      await input.before;
      return await input.engine.run(input);
    }
    const commands = input.job.spec.kind === "ask" ? [] : (input.plan?.commands ?? []);
    // The checkout is indexed for search_docs on the host, from the setup phase on: search_docs
    // waits for it, the model's calls and the agent's commands do not.
    return await runModelLoop(input, commands);
  } catch (err) {
    throw asJobTimeout(err);
  }
}

/**
 * The agent's deadline is the job's time limit: reaching it is the job timing out, as when the
 * job's own timer fires first (the two race by milliseconds), not a `failed` budget.
 */
export function asJobTimeout(err: unknown): unknown {
  if (!(err instanceof PatchbayError) || err.code !== "budget_exceeded") return err;
  const details = err.details as { limit?: string } | undefined;
  if (details?.limit !== "deadline") return err;
  return jobTimedOut({ details: err.details, cause: err });
}

/** Patchbay's own loop: the model with the sandbox's tools until it finishes or a limit ends it. */
async function runModelLoop(input: AgentPhaseInput, commands: ChecksPlan["commands"]): Promise<AgentSummary> {
  const { job, settings, sandbox, knowledge, emit, signal, redact } = input;
  const { spec } = job;
  const { api, prices, ...client } = settings.model;
  const outcome = await runAgent({
    model: spec.model,
    ...(spec.reasoningEffort ? { reasoningEffort: spec.reasoningEffort } : {}),
    ...(api ? { api } : {}),
    ...(prices ? { prices } : {}),
    client: input.candidate ? { ...client, headers: { "X-Patchbay-Candidate": String(input.candidate) } } : client,
    workspace: input.before ? gated(sandbox, input.before) : sandbox,
    task: input.task ?? jobTask(job),
    limits: jobLimits(job),
    ...(commands.length > 0 ? { runChecks: agentChecks(input, commands) } : {}),
    ...(knowledge ? { searchDocs: knowledge.searchDocs } : {}),
    updatePlan: true,
    ...(input.functions?.length ? { functions: input.functions } : {}),
    ...(input.conversation?.length ? { priorConversation: input.conversation } : {}),
    emit,
    signal,
    commandTimeoutMs: settings.commandTimeoutMs,
    ...(redact ? { redact } : {}),
    ...(input.events ? { pendingMessages: steeringInbox(input.events, job.id) } : {}),
  });
  const { summary, usage, turns, estimatedCostUsd } = outcome;
  return { summary, usage, turns, estimatedCostUsd };
}

/** The task the model is given: an ask job's question comes wrapped in its instructions. */
export function jobTask(job: JobRecord): string {
  return job.spec.kind === "ask" ? askTask(job.spec.task) : job.spec.task;
}

/** The job's limits for one agent run, whichever engine works; the deadline counts from the job's start. */
export function jobLimits(job: JobRecord): {
  maxTurns: number;
  deadline: number;
  maxTokens?: number;
  maxCostUsd?: number;
} {
  const { limits } = job.spec;
  return {
    maxTurns: limits.maxTurns,
    deadline: (job.startedAt?.getTime() ?? Date.now()) + limits.timeoutSec * 1000,
    ...(limits.maxTokens ? { maxTokens: limits.maxTokens } : {}),
    ...(limits.maxCostUsd ? { maxCostUsd: limits.maxCostUsd } : {}),
  };
}

/**
 * The `run_checks` tool. The agent's own check runs are no "after" results: their logs are the
 * agent's, and the tool_result event carries the outcome, so their check events are left out.
 */
function agentChecks(input: AgentPhaseInput, commands: ChecksPlan["commands"]) {
  const emit: EventSink = (e) => {
    if (e.type === "log") input.emit({ type: "log", data: { ...e.data, phase: "agent", source: "run_checks" } });
  };
  const options = { stage: "after" as const, emit, timeoutMs: input.settings.commandTimeoutMs, signal: input.signal };
  return async () => {
    await input.before;
    return summarizeChecks(await runChecks(input.sandbox, commands, options));
  };
}

/** The sandbox as the agent's workspace, its commands and writes held until `before` is done. */
export function gated(
  sandbox: Pick<Sandbox, "root" | "exec" | "readFile" | "writeFile" | "deleteFile">,
  before: Promise<unknown>,
): Workspace {
  return {
    root: sandbox.root,
    exec: async (command, options) => {
      await before;
      return sandbox.exec(command, options);
    },
    readFile: (path, options) => sandbox.readFile(path, options),
    writeFile: async (path, content) => {
      await before;
      await sandbox.writeFile(path, content);
    },
    deleteFile: async (path) => {
      await before;
      await sandbox.deleteFile(path);
    },
  };
}
