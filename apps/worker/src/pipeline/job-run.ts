import { type ChecksPlan, compareChecks, planChecks, runChecks } from "@patchbay/checks";
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
import type { JobEventRepository, JobRecord, JobRepository, SourceRepository, TransitionFields } from "@patchbay/db";
import type { KnowledgeBase } from "@patchbay/knowledge";
import type { Sandbox, SandboxProvider } from "@patchbay/sandbox";
import { tarDirectory } from "@patchbay/sandbox";
import type { Logger } from "pino";
import { abortReason, raceAbort } from "./abort.js";
import { type AgentSummary, runAgentPhase } from "./agent-phase.js";
import { EventBuffer } from "./event-buffer.js";
import { type CollectedPatch, collectPatch, snapshotWorkspace, type WorkspaceSnapshot } from "./finalize.js";
import { checkoutForJob } from "./job-checkout.js";
import { JobKnowledge } from "./knowledge.js";
import { keepsPartialPatch, statusForError } from "./outcome.js";
import { type AgentChange, changeFields, collectAgentChange, verdict } from "./protect-tests.js";
import { pushForJob } from "./push.js";
import { retryStorage } from "./retry-storage.js";
import { JobSecrets, type SecretSource } from "./secrets.js";
import type { PipelineSettings } from "./settings.js";

/** How a run ended for the queue: finished (any terminal status) or handed back. */
export type RunOutcome = "done" | "handed_back";

export interface PipelineDeps {
  jobs: JobRepository;
  events: JobEventRepository;
  sandboxes: SandboxProvider;
  settings: PipelineSettings;
  logger: Logger;
  /** The project's secrets for clone and setup; none when absent. */
  secrets?: SecretSource;
  /** The projects' knowledge bases: the agent gets search_docs and the result its citations. */
  knowledge?: KnowledgeBase;
  /** Uploaded git bundles, for jobs whose spec names `repo.source`. */
  sources?: SourceRepository;
}

/**
 * One attempt at one job: provision → setup → baseline → agent → checks → finalize. Whatever
 * happens, the job ends in exactly one terminal status and its container is removed.
 */
export class JobRun {
  private readonly buffer: EventBuffer;
  private sandbox: Sandbox | null = null;
  private baseCommit: string | null = null;
  private plan: ChecksPlan | null = null;
  private snapshot: WorkspaceSnapshot | undefined;
  private change: AgentChange | null = null;
  private before: CheckRun[] = [];
  private agent: AgentSummary = { summary: null, usage: ZERO_USAGE, turns: 0, estimatedCostUsd: null };
  private secrets: JobSecrets = JobSecrets.none;
  private readonly knowledge: JobKnowledge | null;

  constructor(
    private readonly job: JobRecord,
    private readonly deps: PipelineDeps,
    private readonly signal: AbortSignal,
  ) {
    this.buffer = new EventBuffer(job.id, deps.events, deps.logger);
    this.knowledge = deps.knowledge
      ? new JobKnowledge(deps.knowledge, job.projectId, this.buffer.emit, deps.logger)
      : null;
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
    if (this.job.spec.kind === "ask") return this.answer();
    await this.setup();
    await this.enter("baseline");
    this.before = await this.runChecks("baseline");
    // What setup and the baseline left behind (node_modules, reports) is not the agent's change.
    this.snapshot = await snapshotWorkspace(this.requireSandbox(), this.baseCommit!);
    await this.enter("agent");
    await this.runAgent();
    await this.enter("checks");
    this.change = await collectAgentChange(this.requireSandbox(), this.baseCommit!, this.snapshot, this.plan!);
    const after = await this.runChecks("after");
    await this.enter("finalize");
    await this.finish(after, this.change);
  }

  /** kind "ask": the agent answers from the checkout and the docs; nothing is checked, kept or pushed. */
  private async answer(): Promise<void> {
    await this.enter("agent");
    await this.runAgent();
    await this.enter("finalize");
    await this.destroySandbox();
    await this.buffer.flush();
    await this.recordStatus(
      "succeeded",
      { phase: null, result: this.result([], null) },
      "answered (read-only ask job)",
    );
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
    this.secrets = await JobSecrets.load(this.deps.secrets, this.job.projectId);
    this.buffer.redactSecrets(this.secrets.values());
    const checkout = await checkoutForJob(this.job, {
      settings,
      secrets: this.secrets,
      ...(this.deps.sources ? { sources: this.deps.sources } : {}),
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
    // JobSpec → .patchbay.yml → detection; a bad .patchbay.yml ends the job as invalid_config.
    this.plan = await planChecks(sandbox, this.job.spec);
    const { setup } = this.plan;
    // Secrets reach setup commands as environment variables, and no later phase.
    const options = { ...this.execOptions("setup"), env: this.secrets.setupEnv() };
    if (setup.timeoutMs) options.timeoutMs = setup.timeoutMs;
    for (const command of setup.commands) {
      const result = await sandbox.exec(command, options);
      if (result.exitCode !== 0) {
        const why = result.timedOut ? "timed out" : `exited with ${result.exitCode}`;
        const stderr = this.secrets.redact(result.stderr).slice(-500);
        throw new PatchbayError("setup_failed", `setup command \`${command}\` ${why}: ${stderr}`);
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
    return runChecks(this.requireSandbox(), this.plan!.commands, {
      stage,
      emit: this.buffer.emit,
      timeoutMs: this.deps.settings.commandTimeoutMs,
      signal: this.signal,
    });
  }

  private async runAgent(): Promise<void> {
    this.agent = await runAgentPhase({
      job: this.job,
      settings: this.deps.settings,
      sandbox: this.requireSandbox(),
      plan: this.plan,
      knowledge: this.knowledge,
      emit: this.buffer.emit,
      signal: this.signal,
    });
  }

  private result(after: CheckRun[], patch: CollectedPatch | null): JobResult {
    return {
      summary: this.agent.summary,
      patchStats: patch?.stats ?? { files: 0, insertions: 0, deletions: 0 },
      checks: compareChecks(this.before, after),
      usage: { ...this.agent.usage, turns: this.agent.turns, estimatedCostUsd: this.agent.estimatedCostUsd },
      model: this.job.spec.model,
      baseCommit: this.baseCommit,
      ...changeFields(this.plan, this.change),
      ...(this.knowledge?.citations().length ? { citations: this.knowledge.citations() } : {}),
    };
  }

  /**
   * Checks that regress leave the job `succeeded` (the agent finished) with result.checks.passed
   * false and the regressions named; a push that fails makes it `failed` (push_failed), with the
   * result and patch kept.
   */
  private async finish(after: CheckRun[], change: AgentChange): Promise<void> {
    await this.destroySandbox();
    await this.buffer.flush();
    const { patch } = change;
    const result = this.result(after, patch);
    const pushed = await this.pushBranch(patch).then(
      (push) => ({ push, error: null }),
      (err: unknown) => ({ push: undefined, error: this.secrets.redactError(err) }),
    );
    if (pushed.push) result.push = pushed.push;
    if (pushed.error) {
      this.log.info({ code: pushed.error.code, message: pushed.error.message }, "push failed");
      const fields = { phase: null, error: pushed.error.toJSON(), result, patch: patch.patch };
      await this.recordStatus(statusForError(pushed.error), fields);
      return;
    }
    await this.recordStatus("succeeded", { phase: null, result, patch: patch.patch }, verdict(result));
  }

  /** Pushes output.branch from the host (never from the sandbox) with the project's git credentials. */
  private async pushBranch(patch: CollectedPatch) {
    if (!this.job.spec.output?.branch) return undefined;
    const credentials = await this.secrets.gitCredentials(this.job.spec.repo.url, this.deps.settings.workDir);
    const context = { jobId: this.job.id, spec: this.job.spec, baseCommit: this.baseCommit!, patch: patch.patch };
    return pushForJob({
      ...context,
      summary: this.agent.summary,
      settings: this.deps.settings,
      signal: this.signal,
      secrets: { env: credentials.env },
    }).finally(() => credentials.remove());
  }

  private async fail(error: PatchbayError): Promise<void> {
    this.log.info({ code: error.code, message: error.message }, "job did not succeed");
    this.keepUsageFrom(error);
    // An ask job keeps no patch, not even a partial one.
    const keep = this.sandbox && keepsPartialPatch(error) && this.job.spec.kind !== "ask";
    const patch = keep ? await this.partialPatch() : null;
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
    const details = error.details as
      | { usage?: TokenUsage; turns?: number; estimatedCostUsd?: number | null }
      | undefined;
    if (details?.usage && typeof details.turns === "number") {
      const estimatedCostUsd = details.estimatedCostUsd ?? null;
      this.agent = { ...this.agent, usage: details.usage, turns: details.turns, estimatedCostUsd };
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
    if (this.change) return this.change.patch;
    if (!this.sandbox || !this.baseCommit) return null;
    return collectPatch(this.sandbox, this.baseCommit, this.snapshot).catch(() => null);
  }
}

function logLine(text: string, phase: JobPhase) {
  return { type: "log" as const, data: { stream: "stdout" as const, text: `${text}\n`, phase, source: "patchbay" } };
}
