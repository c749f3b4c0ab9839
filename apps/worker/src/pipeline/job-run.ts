import { type ChecksPlan, compareChecks, runChecks } from "@patchbay/checks";
import {
  type BestOfN,
  type CheckRun,
  DEFAULT_PROJECT_ENVIRONMENT,
  type EventSink,
  eventCandidate,
  type HiddenResult,
  type JobEvent,
  type JobPhase,
  type JobResult,
  type JobStatus,
  PatchbayError,
} from "@patchbay/core";
import {
  type CandidateRepository,
  type EnvironmentRepository,
  isStorageOutage,
  type JobEventRepository,
  type JobRecord,
  type JobRepository,
  type ProjectRepository,
  type SourceRepository,
  type TransitionFields,
} from "@patchbay/db";
import type { KnowledgeBase } from "@patchbay/knowledge";
import type { Sandbox, SandboxProvider } from "@patchbay/sandbox";
import type { Logger } from "pino";
import { type AgentEngine, agentEngine } from "../engines/engine.js";
import { NetworkLedger } from "../environment/egress-door.js";
import type { EnvironmentCacheDeps } from "../environment/environment-cache.js";
import { type EgressSetup, type JobEnvironment, prepareEnvironment } from "../environment/environment-phase.js";
import { type HostIndex, readHostIndex } from "../environment/index-reader.js";
import type { HostRegistries } from "../environment/setup-env.js";
import { ChangeExplainer, toolEvents } from "../explain/explain-change.js";
import { startReview } from "../review/review-job.js";
import { abortReason, raceAbort } from "./abort.js";
import { type AfterChecksSandbox, afterChecks } from "./after-checks.js";
import { type AgentPhaseInput, type AgentSummary, runAgentPhase } from "./agent-phase.js";
import { attemptTask, parallelAttempts, runAttempts } from "./attempts.js";
import { BaselineBeside } from "./baseline-beside.js";
import { BASELINE_TTL_MS, type BaselineStore, baselineKey, findBaseline, reusable } from "./baseline-reuse.js";
import { judgeAttempts } from "./best-of-n.js";
import { checkoutEvent } from "./cached-checkout.js";
import { EventBuffer } from "./event-buffer.js";
import { type CollectedPatch, collectPatch, snapshotWorkspace, type WorkspaceSnapshot } from "./finalize.js";
import { type FollowUpStart, startFollowUp } from "./follow-up.js";
import { runHiddenChecks } from "./hidden-checks.js";
import { JobAccounting } from "./job-accounting.js";
import { checkoutForJob } from "./job-checkout.js";
import { JobSandboxes } from "./job-sandboxes.js";
import { JobKnowledge } from "./knowledge.js";
import { alongsideModelCheck, checkJobModel } from "./model-check.js";
import { keepsPartialPatch, statusForError } from "./outcome.js";
import { type AgentChange, changeFields, collectAgentChange, verdict } from "./protect-tests.js";
import { pushForJob } from "./push.js";
import { quiet } from "./quiet.js";
import { retryStorage } from "./retry-storage.js";
import { JobSecrets, type SecretSource } from "./secrets.js";
import type { PipelineSettings } from "./settings.js";

/** How a run ended for the queue: finished (any terminal status) or handed back. */
export type RunOutcome = "done" | "handed_back";

/** The worker's environment machinery: egress proxy, cache of built environments. */
export interface EnvironmentServices {
  /** Project environment settings (allowlist, admin setup); defaults without it. */
  settings?: Pick<EnvironmentRepository, "settings">;
  cache?: EnvironmentCacheDeps;
  egress?: EgressSetup;
  hostRegistries: HostRegistries;
  installationId: string;
  /** Why setup has no network (no egress proxy), named when a setup command fails. */
  offline?: string;
}

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
  /** Environments (setup through the proxy, cached); setup runs offline in the job's sandbox without it. */
  environment?: EnvironmentServices;
  /** Where a best-of-N job's attempts are kept (GET /v1/jobs/:id/candidates); not kept without it. */
  candidates?: Pick<CandidateRepository, "save">;
  /** Projects' limits: a best-of-N job runs no more attempts at once than its project may run jobs. */
  projects?: Pick<ProjectRepository, "find">;
  /** Baselines kept for later jobs on the same tree (checks.baseline "reuse"); every job runs its own without. */
  baselines?: BaselineStore;
}

/** Attempts a job may have when each before it met a database outage; the last one's failure stands. */
const OUTAGE_ATTEMPTS = 5;
/** How long a job holds the warm pool's refills at most (its setup and first checks fit in it). */
const JOB_REFILL_HOLD_MS = 60_000;

/** What a run came to; `settle` records it. */
type Outcome =
  | { kind: "finished"; result: JobResult; patch: string | null; message: string; error?: PatchbayError }
  | { kind: "failed"; error: PatchbayError }
  | { kind: "handed_back"; why: string }
  | { kind: "superseded" };

/**
 * One attempt at one job: provision → setup (environment) → baseline → agent → checks →
 * finalize. Each phase hands its value to the next; `settle` alone records the terminal state,
 * after every sandbox of the job is gone.
 */
export class JobRun {
  private readonly buffer: EventBuffer;
  private readonly accounting = new JobAccounting();
  private readonly network: NetworkLedger;
  private readonly boxes: JobSandboxes;
  private readonly knowledge: JobKnowledge | null;
  /** An outside agent engine (JobSpec engine "codex"); null: Patchbay's own loop. */
  private readonly engine: AgentEngine | null;
  private secrets: JobSecrets = JobSecrets.none;
  /** The agent's explain_change call, linked to what the job ran (result.explanation, result.verification). */
  private explainer = new ChangeExplainer();
  /** With attempts > 1: how the attempt whose patch the job holds was chosen (result.bestOfN). */
  private bestOfN: BestOfN | null = null;
  /** A follow-up's start (its parent's tree and the thread's conversation); null for other jobs. */
  private followUp: FollowUpStart | null = null;
  /** With checks.hidden: their outcome, run after the after-checks (result.hidden). */
  private hidden: HiddenResult | null = null;
  /** This job's baseline key (baseline-reuse.ts), and the job whose kept baseline it reuses. */
  private baselineKey: string | null = null;
  private baselineFrom: string | null = null;
  /** This job's baseline being kept for later jobs: the job's end waits for it. */
  private keeping: Promise<void> | null = null;
  private checkoutRemoved: Promise<void> | null = null;
  /** The checkout's git index, read once in the setup phase (plan, keys, search_docs). */
  private hostIndex: HostIndex | null = null;
  /** The workspace snapshot being taken (takeSnapshot). */
  private snapshotting: Promise<WorkspaceSnapshot> | null = null;
  /** What earlier phases produced, for the result of a run that ends early. */
  private readonly progress: {
    baseCommit: string | null;
    before: CheckRun[];
    env: JobEnvironment | null;
    snapshot?: WorkspaceSnapshot;
    change: AgentChange | null;
    agent: AgentSummary | null;
  } = { baseCommit: null, before: [], env: null, change: null, agent: null };

  constructor(
    private readonly job: JobRecord,
    private readonly deps: PipelineDeps,
    private readonly signal: AbortSignal,
  ) {
    this.buffer = new EventBuffer(job.id, deps.events, deps.logger);
    this.network = new NetworkLedger(this.emit);
    const { settings } = deps;
    const box = job.spec.sandbox;
    const engine = agentEngine(job, settings, deps.logger);
    this.engine = engine;
    this.boxes = new JobSandboxes(deps.sandboxes, {
      jobId: job.id,
      workerId: settings.workerId,
      image: box?.image ?? settings.sandbox.image,
      cpus: box?.cpus ?? settings.sandbox.cpus,
      memoryMb: box?.memoryMb ?? settings.sandbox.memoryMb,
    });
    if (engine) this.boxes.mountInEvery(() => engine.mounts());
    const scope = { projectId: job.projectId, repoUrl: job.spec.repo.url };
    this.knowledge = deps.knowledge ? new JobKnowledge(deps.knowledge, scope, this.emit, deps.logger) : null;
    // Removing the containers at once stops whatever runs in them. A time-out keeps the agent's
    // sandbox a moment longer so the patch made so far can be collected.
    signal.addEventListener(
      "abort",
      () => {
        const keep = abortReason(signal) === "timed_out" ? this.progress.env?.sandbox : undefined;
        void this.boxes.removeAll(keep);
      },
      { once: true },
    );
  }

  private get log() {
    return this.deps.logger.child({ jobId: this.job.id });
  }

  /** Every event goes through here: model turns are counted, the buffer stores them. */
  private readonly emit: EventSink = this.accounting.wrap((event) => {
    // Once the run is being settled, a phase still unwinding after an abort (a cancelled
    // command's tool result) must not add events after the status that ends this attempt.
    if (!this.settling) this.buffer.emit(event);
  });
  private settling = false;

  /** Runs every phase and records the outcome. */
  execute(): Promise<RunOutcome> {
    // The sandboxes this job takes are replaced once it has ended, its status written and its
    // sandboxes gone (or after its first minute): a container start beside its checks slowed them
    // 1.5-2.5x on 2 cores, and three beside its status held that back 200-450 ms (README
    // Performance, "where the time goes").
    return this.boxes.withoutRefills(() => this.runAndSettle(), JOB_REFILL_HOLD_MS);
  }

  private async runAndSettle(): Promise<RunOutcome> {
    let outcome: Outcome;
    try {
      outcome = await raceAbort(this.phases(), this.signal);
    } catch (err) {
      const reason = abortReason(this.signal);
      if (reason === "shutdown") outcome = { kind: "handed_back", why: "the worker is shutting down" };
      // Presumed dead and taken over elsewhere: the new attempt owns the job's outcome now.
      else if (reason === "superseded") outcome = { kind: "superseded" };
      // The job did nothing wrong: it runs again once the database is back (a few times at most,
      // so an error that only looks like an outage cannot send it round for ever).
      else if (!reason && isStorageOutage(err) && this.job.attempt < OUTAGE_ATTEMPTS)
        outcome = { kind: "handed_back", why: "the database was unreachable" };
      else outcome = { kind: "failed", error: this.secrets.redactError(err) };
    }
    const ended = await this.settle(outcome);
    await this.checkoutRemoved;
    return ended;
  }

  private async phases(): Promise<Outcome> {
    // A model the endpoint does not serve fails the job now, not after clone, setup and baseline.
    const checkout = await alongsideModelCheck(
      checkJobModel(this.job.spec.model, this.deps.settings.model, this.signal, this.log),
      (signal) => this.provision(signal),
      (c) => c.remove(),
      this.signal,
    );
    try {
      const env = await this.environment(checkout.dir);
      this.followUp = await startFollowUp(this.job, this.deps, env.sandbox);
      if (this.job.spec.kind === "ask") return await this.answer(env);
      if (this.job.spec.kind === "review") return await this.review(env);
      const beside = this.baselineGoesBeside(env);
      const reused = beside ? await this.reusedBaseline(env) : false;
      if (!beside) await this.enter("baseline");
      if (!beside) this.progress.before = await this.runChecks(env.sandbox, env.plan, "baseline");
      const snapshotting = this.takeSnapshot(env.sandbox, this.followUp?.commit ?? checkout.baseCommit);
      // Started once the snapshot is in: both at once slow the snapshot, which the agent waits for.
      // With a reused baseline the sandbox is only made ready to judge the patch.
      const reusedRuns = reused ? this.progress.before : undefined;
      const baseline = beside ? quiet(snapshotting.then(() => this.startBaselineBeside(beside, reusedRuns))) : null;
      if ((this.job.spec.attempts ?? 1) > 1) {
        await snapshotting;
        const { fresh } = env;
        if (fresh) return await this.bestOf({ ...env, fresh }, checkout.baseCommit);
        this.emit(logLine("the environment could not be kept for more sandboxes: one attempt runs", "agent"));
      }
      await this.enter("agent");
      const functions = [this.explainer.tool];
      this.progress.agent = await this.runAgent(env.sandbox, env.plan, { functions, before: snapshotting });
      await snapshotting;
      await this.enter("checks");
      (await baseline)?.judgeBesideSoon();
      const change = await collectAgentChange(
        env.sandbox,
        checkout.baseCommit,
        this.progress.snapshot,
        env.plan,
        this.collectOptions(),
      );
      this.progress.change = change;
      await this.followUp?.recordStepPatch(
        env.sandbox,
        this.progress.snapshot,
        (p) => this.secrets.guardPatch(p),
        this.collectOptions(),
      );
      const { runs: after, where } = baseline
        ? await (await baseline).afterChecks(change.patch.patch)
        : await afterChecks({
            env,
            boxes: this.boxes,
            patch: change.patch.patch,
            before: this.progress.before,
            run: (sandbox, plan) => this.runChecks(sandbox, plan, "after"),
            emit: this.emit,
          });
      if (this.job.spec.checks?.hidden) this.hidden = await this.hiddenChecks(env, change.patch.patch);
      await this.enter("finalize");
      return await this.finish(after, change, where);
    } finally {
      // The index is read from the checkout: it goes once that is done (a cancel ends it soon).
      await this.knowledge?.indexed();
      // A later job on this tree finds the baseline once this one has ended.
      await this.keeping;
      // The checkout (its ref in the git cache: a host git process, 50-80 ms here) goes beside the
      // status; the attempt still ends only once it is gone (execute).
      this.checkoutRemoved = checkout
        .remove()
        .catch((err: unknown) => this.log.warn({ err }, "removing the checkout failed"));
      await this.progress.env?.dispose().catch(() => undefined);
      await this.engine?.dispose().catch(() => undefined);
    }
  }

  /**
   * A plain change job whose environment can be had again runs its baseline beside the agent
   * (BaselineBeside); best-of-N and follow-ups (the parent's tree is committed in the agent's
   * sandbox only) run it first, in the agent's sandbox.
   */
  private baselineGoesBeside(env: JobEnvironment): (JobEnvironment & { fresh: () => Promise<Sandbox> }) | null {
    const { fresh } = env;
    if (!fresh || (this.job.spec.attempts ?? 1) > 1 || this.followUp) return null;
    return { ...env, fresh };
  }

  /**
   * Records what setup (and a baseline run here) left behind (node_modules, reports), which is not
   * the agent's change. Taken while the agent's first model call is out: the agent's commands and
   * writes wait for it (AgentPhaseInput.before), and so do partial patches.
   */
  private takeSnapshot(sandbox: Sandbox, base: string): Promise<WorkspaceSnapshot> {
    this.snapshotting = quiet(
      snapshotWorkspace(sandbox, base).then((snapshot) => {
        this.progress.snapshot = snapshot;
        return snapshot;
      }),
    );
    return this.snapshotting;
  }

  /**
   * An earlier job's kept baseline on the same tree, environment and commands stands for this
   * job's (checks.baseline "reuse"); the key is kept to keep this job's baseline otherwise.
   */
  private async reusedBaseline(env: JobEnvironment): Promise<boolean> {
    const store = this.deps.baselines;
    if (!store || !this.hostIndex) return false;
    const { image, cpus, memoryMb } = this.boxes.spec;
    this.baselineKey = baselineKey({
      index: this.hostIndex.entries,
      environmentKey: env.outcome.key,
      sandbox: { image, cpus, memoryMb },
      plan: env.plan,
    });
    if (this.job.spec.checks?.baseline === "run") return false;
    const kept = await findBaseline(store, this.job.projectId, this.baselineKey);
    if (!kept) return false;
    this.progress.before = kept.runs;
    this.baselineFrom = kept.jobId;
    const why = 'same tree, environment and check commands; checks.baseline "run" runs it again';
    this.emit(logLine(`baseline reused from job ${kept.jobId} (${why})`, "setup"));
    return true;
  }

  /** Keeps a baseline that ran to its end for later jobs on the same key. */
  private keepBaseline(runs: CheckRun[]): void {
    const store = this.deps.baselines;
    const key = this.baselineKey;
    if (!store || !key || !reusable(runs) || this.signal.aborted) return;
    const kept = { runs: this.secrets.redactValue(runs), jobId: this.job.id, ttlMs: BASELINE_TTL_MS };
    this.keeping = store.save(this.job.projectId, key, kept).catch((err: unknown) => {
      this.log.warn({ err, jobId: this.job.id }, "could not keep the baseline for later jobs");
    });
  }

  /** Starts the baseline checks in a sandbox of their own (BaselineBeside), or only the sandbox when `reused`. */
  private startBaselineBeside(
    env: JobEnvironment & { fresh: () => Promise<Sandbox> },
    reused: CheckRun[] | undefined,
  ): BaselineBeside {
    return BaselineBeside.start({
      ...(reused ? { reused } : {}),
      env,
      boxes: this.boxes,
      run: (sandbox, plan, stage) => this.runChecks(sandbox, plan, stage),
      onBaseline: (runs) => {
        this.progress.before = runs;
        this.keepBaseline(runs);
      },
      emit: this.emit,
    });
  }

  /** Secrets, then the repository cloned on the host (kept until the job's sandboxes are filled). */
  private async provision(signal: AbortSignal = this.signal) {
    this.secrets = await JobSecrets.load(this.deps.secrets, this.job.projectId);
    this.buffer.redactSecrets(this.secrets.values());
    const checkout = await checkoutForJob(this.job, {
      settings: this.deps.settings,
      secrets: this.secrets,
      ...(this.deps.sources ? { sources: this.deps.sources } : {}),
      signal,
    });
    this.progress.baseCommit = checkout.baseCommit;
    this.boxes.useCheckout(checkout);
    this.emit(checkoutEvent(this.job.spec.repo.url, checkout));
    return checkout;
  }

  /** The agent's sandbox with the job's environment: restored from the cache, or built by setup. */
  private async environment(checkoutDir: string): Promise<JobEnvironment> {
    await this.enter("setup");
    const services = this.deps.environment ?? { hostRegistries: NO_REGISTRIES, installationId: "local" };
    const [settings, hostIndex] = await Promise.all([
      services.settings?.settings(this.job.projectId),
      readHostIndex(checkoutDir, { hostPath: this.deps.settings.hostPath, signal: this.signal }),
    ]);
    const project = settings ?? DEFAULT_PROJECT_ENVIRONMENT;
    this.hostIndex = hostIndex;
    // Read from the host checkout: beside the sandboxes, and nothing the agent does reaches it.
    void this.knowledge?.indexRepository(hostIndex, this.signal, this.secrets.redact);
    const env = await prepareEnvironment(
      { sandboxes: this.boxes, ...services },
      {
        job: this.job,
        checkoutDir,
        hostIndex,
        project,
        secrets: this.secrets.setupEnv(),
        network: this.network,
        emit: this.emit,
        execOptions: () => this.execOptions("setup"),
        workDir: this.deps.settings.workDir,
        log: this.log,
      },
    );
    this.progress.env = env;
    return env;
  }

  /** kind "ask": the agent answers from the checkout and the docs; nothing is checked, kept or pushed. */
  private async answer(env: JobEnvironment): Promise<Outcome> {
    await this.enter("agent");
    this.progress.agent = await this.runAgent(env.sandbox, null);
    await this.enter("finalize");
    return { kind: "finished", result: this.result([], null), patch: null, message: "answered (read-only ask job)" };
  }

  /** kind "review": the agent reviews review.base..head read-only; its validated report is result.review. */
  private async review(env: JobEnvironment): Promise<Outcome> {
    await this.enter("agent");
    const review = await startReview(env.sandbox, this.job.spec);
    this.progress.agent = await this.runAgent(env.sandbox, null, { task: review.task, functions: review.functions });
    await this.enter("finalize");
    const result = { ...this.result([], null), review: this.secrets.redactValue(review.result()) };
    return { kind: "finished", result, patch: null, message: review.message() };
  }

  /** The worker's bound on parallel attempts, lowered to the project's running-jobs limit. */
  private async attemptsAtOnce(): Promise<number> {
    const worker = this.deps.settings.maxParallelAttempts ?? 4;
    const project = await this.deps.projects?.find(this.job.projectId).catch(() => null);
    return parallelAttempts(worker, project?.maxRunningJobs ?? null);
  }

  /**
   * attempts > 1: that many rollouts from this baseline in sandboxes of their own, each judged by
   * the after-checks; the job holds the winner's patch, keeps every attempt, and costs their sum.
   */
  private async bestOf(env: JobEnvironment & { fresh: () => Promise<Sandbox> }, baseCommit: string): Promise<Outcome> {
    await this.enter("agent");
    const attempts = await runAttempts({
      count: this.job.spec.attempts ?? 1,
      parallel: await this.attemptsAtOnce(),
      env,
      boxes: this.boxes,
      baseCommit,
      before: this.progress.before,
      emit: this.emit,
      signal: this.signal,
      snapshot: this.progress.snapshot!,
      log: this.log,
      collectOptions: this.collectOptions(),
      toError: (err) => this.secrets.redactError(err),
      runAgent: (sandbox, a) =>
        this.runAgent(sandbox, env.plan, {
          task: attemptTask(this.job.spec.task),
          functions: [a.explainer.tool],
          candidate: a.n,
          emit: a.emit,
        }),
      runChecks: (sandbox, plan, emit) => this.runChecks(sandbox, plan, "after", emit),
    });
    await this.enter("checks");
    const judged = await judgeAttempts({
      attempts,
      before: this.progress.before,
      ...(this.job.spec.checks?.hidden ? { hidden: (patch, a) => this.hiddenChecks(env, patch, a.emit) } : {}),
      toolEvents: this.flushedToolEvents(),
      guardPatch: (p) => this.secrets.guardPatch(p),
    });
    const candidates = this.secrets.redactValue(judged.candidates);
    if (this.deps.candidates)
      await retryStorage("candidates", () => this.deps.candidates!.save(this.job.id, candidates), this.log);
    const { chosen } = judged;
    if (!chosen) throw attempts.find((a) => a.error)?.error ?? new PatchbayError("internal", "no attempt finished");
    const { attempt } = chosen;
    this.progress.change = attempt.change;
    this.progress.agent = attempt.agent;
    this.hidden = chosen.hidden;
    this.explainer = attempt.explainer;
    this.bestOfN = chosen.bestOfN;
    this.emit(
      logLine(
        `attempt ${attempt.n} of ${attempts.length} chosen by the checks: ${chosen.bestOfN.ranking.join("; ")}`,
        "checks",
      ),
    );
    await this.enter("finalize");
    return await this.finish(attempt.after, attempt.change!, attempt.where);
  }

  /** The hidden checks against `patch` (checks.hidden), in a fresh sandbox of the job's environment. */
  private hiddenChecks(env: JobEnvironment, patch: string, emit: EventSink = this.emit) {
    return runHiddenChecks({
      hidden: this.job.spec.checks!.hidden!,
      env,
      boxes: this.boxes,
      patch,
      emit,
      timeoutMs: this.deps.settings.commandTimeoutMs,
      signal: this.signal,
    });
  }

  /** A reader of the job's tool events as stored once everything emitted so far is flushed; it reads them once. */
  private flushedToolEvents() {
    let read: Promise<JobEvent[]> | null = null;
    return () => {
      read ??= this.buffer.flush().then(() => toolEvents(this.deps.events, this.job.id));
      return read;
    };
  }

  private async enter(phase: JobPhase): Promise<void> {
    if (this.signal.aborted) return;
    if (phase === "agent") this.progress.env?.agentStarted?.();
    await retryStorage(`phase ${phase}`, () => this.deps.jobs.setPhase(this.job.id, phase), this.log);
    this.emit({ type: "status", data: { status: "running", phase } });
  }

  private execOptions(phase: JobPhase) {
    return {
      timeoutMs: this.deps.settings.commandTimeoutMs,
      signal: this.signal,
      onOutput: (stream: "stdout" | "stderr", text: string) =>
        this.emit({ type: "log", data: { stream, text, phase, source: phase } }),
    };
  }

  private runChecks(
    sandbox: Sandbox,
    plan: ChecksPlan,
    stage: "baseline" | "after",
    emit: EventSink = this.emit,
  ): Promise<CheckRun[]> {
    return runChecks(sandbox, plan.commands, {
      stage,
      // A check whose tool was missing in the baseline is not run again after the agent.
      ...(stage === "after" ? { baseline: this.progress.before } : {}),
      emit,
      timeoutMs: this.deps.settings.commandTimeoutMs,
      signal: this.signal,
    });
  }

  private runAgent(
    sandbox: Sandbox,
    plan: ChecksPlan | null,
    extra: Partial<Pick<AgentPhaseInput, "task" | "functions" | "candidate" | "emit" | "before">> = {},
  ): Promise<AgentSummary> {
    return runAgentPhase({
      job: this.job,
      settings: this.deps.settings,
      sandbox,
      plan,
      knowledge: this.knowledge,
      emit: this.emit,
      signal: this.signal,
      redact: this.secrets.redact,
      events: this.deps.events,
      ...(this.engine ? { engine: this.engine } : {}),
      ...(this.followUp ? { conversation: this.followUp.conversation } : {}),
      ...extra,
    });
  }

  private result(after: CheckRun[], patch: CollectedPatch | null): JobResult {
    const { change, env, agent, before, baseCommit } = this.progress;
    const plan = env?.plan ?? null;
    const network = this.network.used ? { network: this.network.snapshot() } : {};
    return this.secrets.redactValue({
      summary: agent?.summary ?? null,
      patchStats: patch?.stats ?? { files: 0, insertions: 0, deletions: 0 },
      checks: compareChecks(before, after),
      usage: this.accounting.total(),
      model: this.job.spec.model,
      baseCommit,
      ...changeFields(plan, change),
      ...(env ? { environment: env.outcome } : {}),
      ...network,
      ...(this.knowledge?.citations().length ? { citations: this.knowledge.citations() } : {}),
      ...(patch?.secretsInPatch ? { secretsInPatch: true } : {}),
      ...(this.hidden ? { hidden: this.hidden } : {}),
      ...(this.bestOfN ? { bestOfN: this.bestOfN } : {}),
      ...(this.baselineFrom ? { baselineFrom: this.baselineFrom } : {}),
    });
  }

  /**
   * Checks that regress leave the job `succeeded` (the agent finished) with result.checks.passed
   * false and the regressions named; a push that fails makes it `failed` (push_failed), with the
   * result and patch kept.
   */
  private async finish(after: CheckRun[], change: AgentChange, where: AfterChecksSandbox): Promise<Outcome> {
    // The sandboxes go while the result is put together and its status written (settle waits for
    // them after); a miss's image, still being kept while the checks ran, is settled first: the
    // result names its final status.
    void this.boxes.removeAll();
    await this.progress.env?.dispose();
    const patch = this.secrets.guardPatch(change.patch);
    const result = { ...this.result(after, patch), afterChecksIn: where };
    // A best-of-N job's explanation is linked to what its chosen attempt ran, not the others.
    const chosen = this.bestOfN?.selected;
    const read = this.flushedToolEvents();
    const events = async () => (await read()).filter((e) => eventCandidate(e) === chosen);
    const explained = await this.explainer.link(after, events);
    Object.assign(result, this.secrets.redactValue(explained));
    try {
      const push = await this.pushBranch(patch);
      if (push) result.push = push;
    } catch (err) {
      const error = this.secrets.redactError(err);
      this.log.info({ code: error.code, message: error.message }, "push failed");
      return { kind: "finished", result, patch: patch.patch, message: error.message, error };
    }
    return { kind: "finished", result, patch: patch.patch, message: verdict(result) };
  }

  /** Pushes output.branch from the host (never from the sandbox) with the project's git credentials. */
  private async pushBranch(patch: CollectedPatch) {
    if (!this.job.spec.output?.branch) return undefined;
    const credentials = await this.secrets.gitCredentials(this.job.spec.repo.url, this.deps.settings.workDir);
    return pushForJob({
      jobId: this.job.id,
      spec: this.job.spec,
      baseCommit: this.progress.baseCommit!,
      patch: patch.patch,
      summary: this.progress.agent?.summary ?? null,
      settings: this.deps.settings,
      signal: this.signal,
      secrets: credentials,
      secretsInPatch: patch.secretsInPatch === true,
    }).finally(() => credentials.remove());
  }

  /**
   * The one place a run's end is recorded: events flushed, then the status. Every other end removes
   * the sandboxes first, so nothing the job ran still runs once its status says it ended; a finished
   * job's sandboxes run nothing any more (the agent ended, every check came back), so its result is
   * not held back by their removal: the status is written while they go, and the attempt ends once
   * they are gone (its worker slot and a shutdown wait for that).
   */
  private async settle(outcome: Outcome): Promise<RunOutcome> {
    this.settling = true;
    const collected = outcome.kind === "failed" ? await this.partialPatch(outcome.error) : null;
    const partial = collected && this.secrets.guardPatch(collected);
    if (partial) await this.partialStepPatch();
    if (outcome.kind !== "finished") await this.boxes.removeAll();
    await this.buffer.flush();
    switch (outcome.kind) {
      case "superseded":
        return "done";
      case "handed_back":
        this.log.warn({ why: outcome.why }, "handing the job back to the queue");
        await this.recordStatus("queued", { phase: null }, `${outcome.why}; the job goes back to the queue`);
        return "handed_back";
      case "finished": {
        const { result, patch, error } = outcome;
        const fields = { phase: null, result, ...(patch !== null ? { patch } : {}) };
        try {
          if (error) await this.recordStatus(statusForError(error), { ...fields, error: error.toJSON() });
          else await this.recordStatus("succeeded", fields, outcome.message);
        } finally {
          // Also when the status could not be written: the sandboxes go either way.
          await this.boxes.removeAll();
        }
        return "done";
      }
      case "failed": {
        const { error } = outcome;
        this.log.info({ code: error.code, message: error.message }, "job did not succeed");
        await this.recordStatus(statusForError(error), {
          phase: null,
          error: error.toJSON(),
          result: this.result([], partial),
          ...(partial ? { patch: partial.patch } : {}),
        });
        return "done";
      }
    }
  }

  /** Writes a status change, retrying through a database outage. */
  private recordStatus(to: JobStatus, fields: TransitionFields, message?: string): Promise<boolean> {
    const guarded = { ...fields, attempt: this.job.attempt };
    return retryStorage(`status ${to}`, () => this.deps.jobs.transition(this.job.id, to, guarded, message), this.log);
  }

  private collectOptions() {
    const max = this.deps.settings.maxPatchBytes;
    return max ? { maxPatchBytes: max } : {};
  }

  /** A failed follow-up's own change so far (patch?since=parent), when the checks phase never stored it. */
  private async partialStepPatch(): Promise<void> {
    await this.snapshotting?.catch(() => undefined);
    const { env, snapshot, change } = this.progress;
    if (!this.followUp || change || !env) return;
    const guard = (p: CollectedPatch) => this.secrets.guardPatch(p);
    await this.followUp
      .recordStepPatch(env.sandbox, snapshot, guard, this.collectOptions())
      .catch((err: unknown) => this.log.warn({ err }, "could not store the failed follow-up's step patch"));
  }

  /** The patch made so far, for errors that keep it (budget, loop, time-out); never for ask jobs. */
  private async partialPatch(error: PatchbayError): Promise<CollectedPatch | null> {
    if (!keepsPartialPatch(error) || this.job.spec.kind === "ask" || this.job.spec.kind === "review") return null;
    if (this.progress.change) return this.progress.change.patch;
    await this.snapshotting?.catch(() => undefined);
    const { env, baseCommit, snapshot } = this.progress;
    if (!env || !baseCommit) return null;
    return collectPatch(env.sandbox, baseCommit, snapshot, this.collectOptions()).catch(() => null);
  }
}

const NO_REGISTRIES: HostRegistries = { hosts: [], npmRegistry: null, pipIndexUrls: [], caBundle: null };

function logLine(text: string, phase: JobPhase) {
  return { type: "log" as const, data: { stream: "stdout" as const, text: `${text}\n`, phase, source: "patchbay" } };
}
