import { isTerminal } from "@patchbay/core";
import { type ApiClient, CliError, type JobView } from "../api-client.js";
import type { ProgressSink } from "../progress.js";

/** How long `wait` keeps trying: `timeoutMs`, else the job's own time limit plus this margin. */
const MARGIN_MS = 10 * 60_000;
const DEFAULT_JOB_LIMIT_MS = 60 * 60_000;
const MAX_BACKOFF_MS = 10_000;
/** An API that never answered in this long is a wrong URL or a stopped service, not a blip. */
const FIRST_CONTACT_MS = 15_000;

export interface WaitOptions {
  /** Give up (exit 3) after this long; default: the job's time limit plus 10 minutes. */
  timeoutMs?: number;
  /** Told before each retry after a connection failure, 5xx or 429. */
  onRetry?: (reason: string, delayMs: number) => void;
  /** First backoff delay (tests shorten it). */
  baseDelayMs?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Follows a job's events to the end, reporting them to the sink, and returns the final job.
 * An API restart or network blip is retried with exponential backoff (capped at 10 s) until the
 * job ends or the deadline passes; errors that trying again cannot fix (401, 404) end it at once.
 */
export async function waitForJob(
  api: ApiClient,
  id: string,
  progress: ProgressSink,
  options: WaitOptions = {},
): Promise<JobView> {
  const started = Date.now();
  let deadline = started + (options.timeoutMs ?? DEFAULT_JOB_LIMIT_MS + MARGIN_MS);
  let after = 0;
  let failures = 0;
  let reached = false;
  try {
    for (;;) {
      try {
        // The stream closes when the job has finished; reconnect from the last seq if it drops early.
        for await (const e of api.events(id, after)) {
          after = e.seq;
          failures = 0;
          reached = true;
          progress.event(e);
        }
        const job = await api.get(id);
        failures = 0;
        reached = true;
        if (options.timeoutMs === undefined && job.spec?.limits?.timeoutSec)
          deadline = started + job.spec.limits.timeoutSec * 1000 + MARGIN_MS;
        if (isTerminal(job.status as Parameters<typeof isTerminal>[0])) return job;
        await sleep(250);
      } catch (err) {
        if (!(err instanceof CliError) || !err.retryable) throw err;
        if (!reached && Date.now() - started > FIRST_CONTACT_MS) throw err;
        const delay = Math.min(MAX_BACKOFF_MS, (options.baseDelayMs ?? 500) * 2 ** failures++);
        if (Date.now() + delay > deadline)
          throw new CliError(
            `gave up waiting for job ${id} after ${Math.round((Date.now() - started) / 1000)}s: ${err.message}`,
          );
        options.onRetry?.(err.message, delay);
        await sleep(delay);
      }
    }
  } finally {
    progress.done();
  }
}
