import { readFileSync } from "node:fs";
import { isTerminal, type JobStatus } from "@patchbay/core";
import { type ApiClient, CliError, type JobView } from "../api-client.js";
import { bundleCheckout, type SourceView } from "../commands/upload.js";
import type { LoadedInstance } from "./instance.js";
import { type HiddenView, type InstanceOutcome, isFinished, RunFolder, type RunSettings } from "./run-folder.js";

/** How to run an eval. */
export interface EvalOptions {
  instancesFile: string;
  instances: LoadedInstance[];
  outDir: string;
  /** Jobs in flight at once. */
  concurrency: number;
  /** The model for every instance; `{id}` is replaced by the instance's id. Per instance: `modelFor`. */
  model?: string;
  /** Overrides `model` per instance (programmatic use, e.g. one scripted trajectory per instance). */
  modelFor?: (instance: LoadedInstance) => string;
  engine?: string;
  attempts?: number;
  limits?: { timeoutSec?: number; maxTurns?: number };
  pollMs?: number;
  log?: (line: string) => void;
}

/** The JobSpec of an instance: the problem statement as the task, the hidden tests as checks.hidden. */
export function instanceSpec(instance: LoadedInstance, settings: RunSettings, model: string | undefined) {
  return {
    task: instance.problemStatement,
    ...(model ? { model } : {}),
    setup: instance.setup ?? [],
    checks: {
      test: instance.test,
      hidden: {
        patch: instance.testPatch,
        test: instance.test,
        failToPass: instance.failToPass,
        passToPass: instance.passToPass,
      },
    },
    ...(settings.engine ? { engine: settings.engine } : {}),
    ...(settings.attempts ? { attempts: settings.attempts } : {}),
    metadata: { eval: { run: settings.runId, instance: instance.id } },
  };
}

/** The repo part of the spec; an instance with a bundle or checkout uploads it unless `sourceId` is given. */
async function repoFor(api: ApiClient, instance: LoadedInstance, sourceId?: string) {
  const { url, bundle, path: local } = instance.repository;
  if (!bundle && !local) return { url, commit: instance.baseCommit };
  if (sourceId) return { url, source: sourceId, commit: instance.baseCommit };
  let data: Buffer;
  try {
    data = bundle ? readFileSync(bundle) : bundleCheckout(local ?? "").data;
  } catch (err) {
    throw new CliError(`instance ${instance.id}: cannot read ${bundle ?? local}: ${(err as Error).message}`);
  }
  const source = (await api.upload("/v1/sources", data)) as SourceView;
  return { url, source: source.id, commit: instance.baseCommit };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls the job until it is terminal, riding out API blips. */
async function waitDone(api: ApiClient, id: string, pollMs: number): Promise<JobView> {
  for (let failures = 0; ; ) {
    try {
      const job = await api.get(id);
      failures = 0;
      if (isTerminal(job.status as JobStatus)) return job;
    } catch (err) {
      if (!(err instanceof CliError && err.retryable) || ++failures > 30) throw err;
    }
    await sleep(pollMs);
  }
}

interface JobTimes {
  startedAt?: string | null;
  finishedAt?: string | null;
}

/** The outcome of a finished job. */
export function outcomeOf(base: InstanceOutcome, job: JobView & JobTimes): InstanceOutcome {
  const result = job.result as (NonNullable<JobView["result"]> & { hidden?: HiddenView }) | null;
  const usage = result?.usage as { turns?: number; estimatedCostUsd?: number | null } | undefined;
  const started = job.startedAt ? Date.parse(job.startedAt) : Number.NaN;
  const finished = job.finishedAt ? Date.parse(job.finishedAt) : Number.NaN;
  return {
    ...base,
    status: job.status,
    resolved: result?.hidden?.resolved === true,
    hidden: result?.hidden ?? null,
    error: job.error,
    durationMs: Number.isFinite(finished - started) ? finished - started : null,
    turns: usage?.turns ?? null,
    inputTokens: result?.usage.inputTokens ?? null,
    outputTokens: result?.usage.outputTokens ?? null,
    costUsd: usage?.estimatedCostUsd ?? null,
    patchStats: result?.patchStats ?? null,
    finishedAt: job.finishedAt ?? new Date().toISOString(),
  };
}

/**
 * Submits the instance (new, left between upload and submit, or retried after an infrastructure
 * error). The source is recorded before the submit, so that a run killed in between sends the same
 * body under the same Idempotency-Key and gets the same job back.
 */
async function submitInstance(
  api: ApiClient,
  folder: RunFolder,
  settings: RunSettings,
  instance: LoadedInstance,
  options: EvalOptions,
  earlier: InstanceOutcome | undefined,
): Promise<InstanceOutcome> {
  const retry = earlier?.status !== undefined && earlier.jobId !== undefined;
  const previousJobs = retry ? [...(earlier.previousJobs ?? []), earlier.jobId ?? ""] : (earlier?.previousJobs ?? []);
  const repo = await repoFor(api, instance, retry ? undefined : earlier?.sourceId);
  const pending = { id: instance.id, previousJobs, ...("source" in repo ? { sourceId: repo.source } : {}) };
  folder.save(pending);
  const model = options.modelFor?.(instance) ?? options.model?.replaceAll("{id}", instance.id);
  const spec = {
    repo,
    ...instanceSpec(instance, settings, model),
    ...(options.limits ? { limits: options.limits } : {}),
  };
  const job = await api.submit(spec, `eval-${settings.runId}-${instance.id}-${previousJobs.length}`);
  const submitted = { ...pending, jobId: job.id, submittedAt: new Date().toISOString() };
  folder.save(submitted);
  return submitted;
}

/** Runs one instance to its end (or waits for the job an interrupted run left), storing its outcome. */
async function runInstance(
  api: ApiClient,
  folder: RunFolder,
  settings: RunSettings,
  instance: LoadedInstance,
  options: EvalOptions,
): Promise<InstanceOutcome> {
  const log = options.log ?? (() => undefined);
  let outcome = folder.outcome(instance.id);
  if (outcome && isFinished(outcome)) return outcome;
  if (!outcome?.jobId || outcome.status !== undefined) {
    outcome = await submitInstance(api, folder, settings, instance, options, outcome);
    log(`${instance.id}: job ${outcome.jobId} submitted`);
  } else {
    log(`${instance.id}: waiting for job ${outcome.jobId} (submitted by an earlier run)`);
  }
  const job = await waitDone(api, outcome.jobId ?? "", options.pollMs ?? 2000);
  const done = outcomeOf(outcome, job as JobView & JobTimes);
  folder.save(done);
  log(`${instance.id}: ${done.status}, ${done.resolved ? "resolved" : "not resolved"}`);
  return done;
}

/** Runs every instance not finished in the run folder, at most `concurrency` at once; returns all outcomes. */
export async function runEval(api: ApiClient, options: EvalOptions): Promise<Map<string, InstanceOutcome>> {
  const folder = new RunFolder(options.outDir);
  const settings = folder.settings({
    instancesFile: options.instancesFile,
    ...(options.model ? { model: options.model } : {}),
    ...(options.engine ? { engine: options.engine } : {}),
    ...(options.attempts ? { attempts: options.attempts } : {}),
  });
  const effective = { ...options, ...(settings.model && !options.model ? { model: settings.model } : {}) };
  const queue = [...options.instances];
  const failures: string[] = [];
  const worker = async () => {
    for (let next = queue.shift(); next; next = queue.shift()) {
      const instance = next;
      await runInstance(api, folder, settings, instance, effective).catch((err: Error) => {
        failures.push(`${instance.id}: ${err.message}`);
        options.log?.(`${instance.id}: ${err.message}`);
      });
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency) }, worker));
  if (failures.length > 0) options.log?.(`${failures.length} instance(s) could not run; a rerun retries them`);
  return folder.outcomes();
}
