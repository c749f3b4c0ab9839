import { runAgent } from "@patchbay/agent";
import { compareChecks, detectChecks, resolveChecks, runChecks } from "@patchbay/checks";
import {
  type CheckRun,
  type JobPhase,
  type JobResult,
  type JobStatus,
  PatchbayError,
  type TokenUsage,
  toPatchbayError,
  ZERO_USAGE,
} from "@patchbay/core";
import type { JobEventRepository, JobRecord, JobRepository, TransitionFields } from "@patchbay/db";
import type { Sandbox, SandboxProvider } from "@patchbay/sandbox";
import { tarDirectory } from "@patchbay/sandbox";
import type { Logger } from "pino";
import { abortReason, raceAbort } from "./abort.js";
import { cloneRepository } from "./clone.js";
import { EventBuffer } from "./event-buffer.js";
import { type CollectedPatch, collectPatch } from "./finalize.js";
import { keepsPartialPatch, statusForError } from "./outcome.js";
import { retryStorage } from "./retry-storage.js";
import type { PipelineSettings } from "./settings.js";

/** How a run ended for the queue: finished (any terminal status) or handed back. */
export type RunOutcome = "done" | "handed_back";

export interface PipelineDeps {
  jobs: JobRepository;
  events: JobEventRepository;
  sandboxes: SandboxProvider;
  settings: PipelineSettings;
  logger: Logger;
}

interface AgentSummary {
  summary: string | null;
  usage: TokenUsage;
  turns: number;
}

/**
 * One attempt at one job: provision → setup → baseline → agent → checks → finalize. Whatever
 * happens, the job ends in exactly one terminal status and its container is removed.
 */
export class JobRun {
  private readonly buffer: EventBuffer;
  private sandbox: Sandbox | null = null;
  private baseCommit: string | null = null;
  private commands: Awaited<ReturnType<typeof resolveChecks>> | null = null;
  private before: CheckRun[] = [];
  private agent: AgentSummary = { summary: null, usage: ZERO_USAGE, turns: 0 };

  constructor(
    private readonly job: JobRecord,
    private readonly deps: PipelineDeps,
    private readonly signal: AbortSignal,
  ) {
    this.buffer = new EventBuffer(job.id, deps.events, deps.logger);
    // Removing the container at once stops whatever runs in it. A time-out keeps the container
    // a moment longer so the patch made so far can be collected.
    signal.addEventListener(
      "abort",
      () => {
        if (abortReason(signal) !== "timed_out") void this.sandbox?.destroy();
      },
      { once: true },
    );
  }

  private get log() {
    return this.deps.logger.child({ jobId: this.job.id });
  }

  /** Runs every phase and records the outcome. */
  async execute(): Promise<RunOutcome> {
    try {
      await raceAbort(this.phases(), this.signal);
      return "done";
    } catch (err) {
      if (abortReason(this.signal) === "shutdown") return await this.handBack();
      // Presumed dead and taken over elsewhere: the new attempt owns the job's outcome now.
      if (abortReason(this.signal) === "superseded") return "done";
      await this.fail(toPatchbayError(err));
      return "done";
    } finally {
      await this.destroySandbox();
      await this.buffer.flush();
    }
  }

  /** Removes the container; done before the terminal status so a finished job has none. */
  private async destroySandbox(): Promise<void> {
    await this.sandbox?.destroy().catch((err: unknown) => this.log.warn({ err }, "sandbox destroy failed"));
  }

  private async phases(): Promise<void> {
    await this.provision();
    await this.setup();
    await this.enter("baseline");
    this.before = await this.runChecks("baseline");
    await this.enter("agent");
    await this.runAgent();
    await this.enter("checks");
    const after = await this.runChecks("after");
    await this.enter("finalize");
    const patch = await collectPatch(this.requireSandbox(), this.baseCommit!);
    await this.finish(after, patch);
  }

  private async enter(phase: JobPhase): Promise<void> {
    if (this.signal.aborted) return;
    await retryStorage(`phase ${phase}`, () => this.deps.jobs.setPhase(this.job.id, phase), this.log);
    this.buffer.emit({ type: "status", data: { status: "running", phase } });
  }

  private requireSandbox(): Sandbox {
    if (!this.sandbox) throw new PatchbayError("sandbox_failed", "no sandbox");
    return this.sandbox;
  }

  private async provision(): Promise<void> {
    const { settings } = this.deps;
    const checkout = await cloneRepository(this.job.spec.repo, settings.workDir, {
      timeoutMs: 5 * 60_000,
      hostPath: settings.hostPath,
      signal: this.signal,
    });
    try {
      this.baseCommit = checkout.baseCommit;
      this.buffer.emit(logLine(`cloned ${this.job.spec.repo.url} at ${checkout.baseCommit}`, "provision"));
      const box = this.job.spec.sandbox;
      this.sandbox = await this.deps.sandboxes.create({
        jobId: this.job.id,
        workerId: settings.workerId,
        image: box?.image ?? settings.sandbox.image,
        cpus: box?.cpus ?? settings.sandbox.cpus,
        memoryMb: box?.memoryMb ?? settings.sandbox.memoryMb,
      });
      // A cancel that arrived while the container was being created finds no sandbox to remove.
      if (this.signal.aborted) await this.destroySandbox();
      await this.sandbox.putTar(tarDirectory(checkout.dir));
    } finally {
      await checkout.remove();
    }
  }

  private async setup(): Promise<void> {
    await this.enter("setup");
    const sandbox = this.requireSandbox();
    const detected = await detectChecks(sandbox);
    this.commands = resolveChecks(this.job.spec.checks, detected);
    for (const command of this.job.spec.setup ?? detected.setup) {
      const result = await sandbox.exec(command, this.execOptions("setup"));
      if (result.exitCode !== 0) {
        const why = result.timedOut ? "timed out" : `exited with ${result.exitCode}`;
        throw new PatchbayError("setup_failed", `setup command \`${command}\` ${why}: ${result.stderr.slice(-500)}`);
      }
    }
  }

  private execOptions(phase: JobPhase) {
    return {
      timeoutMs: this.deps.settings.commandTimeoutMs,
      signal: this.signal,
      onOutput: (stream: "stdout" | "stderr", text: string) =>
        this.buffer.emit({ type: "log", data: { stream, text, phase, source: phase } }),
    };
  }

  private runChecks(stage: "baseline" | "after"): Promise<CheckRun[]> {
    return runChecks(this.requireSandbox(), this.commands!, {
      stage,
      emit: this.buffer.emit,
      timeoutMs: this.deps.settings.commandTimeoutMs,
      signal: this.signal,
    });
  }

  private async runAgent(): Promise<void> {
    const { spec } = this.job;
    const { model } = this.deps.settings;
    const deadline = (this.job.startedAt?.getTime() ?? Date.now()) + spec.limits.timeoutSec * 1000;
    const outcome = await runAgent({
      model: spec.model,
      ...(spec.reasoningEffort ? { reasoningEffort: spec.reasoningEffort } : {}),
      client: model,
      workspace: this.requireSandbox(),
      task: spec.task,
      limits: {
        maxTurns: spec.limits.maxTurns,
        deadline,
        ...(spec.limits.maxTokens ? { maxTokens: spec.limits.maxTokens } : {}),
      },
      emit: this.buffer.emit,
      signal: this.signal,
      commandTimeoutMs: this.deps.settings.commandTimeoutMs,
    });
    this.agent = { summary: outcome.summary, usage: outcome.usage, turns: outcome.turns };
  }

  private result(after: CheckRun[], patch: CollectedPatch | null): JobResult {
    return {
      summary: this.agent.summary,
      patchStats: patch?.stats ?? { files: 0, insertions: 0, deletions: 0 },
      checks: compareChecks(this.before, after),
      usage: { ...this.agent.usage, turns: this.agent.turns, estimatedCostUsd: null },
      model: this.job.spec.model,
      baseCommit: this.baseCommit,
    };
  }

  private async finish(after: CheckRun[], patch: CollectedPatch): Promise<void> {
    await this.destroySandbox();
    await this.buffer.flush();
    const result = this.result(after, patch);
    const verdict = result.checks.passed ? "checks pass" : "checks do not pass";
    await this.recordStatus("succeeded", { phase: null, result, patch: patch.patch }, `agent finished; ${verdict}`);
  }

  private async fail(error: PatchbayError): Promise<void> {
    this.log.info({ code: error.code, message: error.message }, "job did not succeed");
    this.keepUsageFrom(error);
    const patch = this.sandbox && keepsPartialPatch(error) ? await this.partialPatch() : null;
    await this.destroySandbox();
    await this.buffer.flush();
    const status = statusForError(error);
    await this.recordStatus(status, {
      phase: null,
      error: error.toJSON(),
      result: this.result([], patch),
      ...(patch ? { patch: patch.patch } : {}),
    });
  }

  /** Budget errors carry the usage so far; a failed job still reports what it spent. */
  private keepUsageFrom(error: PatchbayError): void {
    const details = error.details as { usage?: TokenUsage; turns?: number } | undefined;
    if (details?.usage && typeof details.turns === "number") {
      this.agent = { ...this.agent, usage: details.usage, turns: details.turns };
    }
  }

  /** Writes a status change, retrying through a database outage. */
  private recordStatus(to: JobStatus, fields: TransitionFields, message?: string): Promise<boolean> {
    const guarded = { ...fields, attempt: this.job.attempt };
    return retryStorage(`status ${to}`, () => this.deps.jobs.transition(this.job.id, to, guarded, message), this.log);
  }

  /** A worker shutting down returns its job to the queue for another worker. */
  private async handBack(): Promise<RunOutcome> {
    await this.destroySandbox();
    await this.buffer.flush();
    const note = "the worker is shutting down; the job goes back to the queue";
    await this.recordStatus("queued", { phase: null }, note);
    return "handed_back";
  }

  private async partialPatch(): Promise<CollectedPatch | null> {
    if (!this.sandbox || !this.baseCommit) return null;
    return collectPatch(this.sandbox, this.baseCommit).catch(() => null);
  }
}

function logLine(text: string, phase: JobPhase) {
  return { type: "log" as const, data: { stream: "stdout" as const, text: `${text}\n`, phase, source: "patchbay" } };
}
