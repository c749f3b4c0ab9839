import { checkModelServed } from "@patchbay/agent";
import { PatchbayError } from "@patchbay/core";
import type { Logger } from "pino";
import type { PipelineSettings } from "./settings.js";

/**
 * Asks the endpoint whether it serves the job's model. Resolves to the error that should end the
 * job (the endpoint says it has no such model), or null (served, or it could not say); never rejects.
 */
export async function checkJobModel(
  model: string,
  settings: PipelineSettings["model"],
  signal: AbortSignal,
  log: Logger,
): Promise<PatchbayError | null> {
  const { api, prices: _prices, ...client } = settings;
  try {
    const availability = await checkModelServed({ model, ...(api ? { api } : {}), client, signal });
    log.debug({ model, availability }, "model check");
    return null;
  } catch (err) {
    if (err instanceof PatchbayError) return err;
    log.warn({ err, model }, "model check failed; going on");
    return null;
  }
}

/**
 * Runs `start` (the clone) while the model check runs, so the check costs no time. When the check
 * finds that the model is not served, `start` is stopped through its signal (or what it made is
 * disposed of) and the check's error is thrown: the job fails before setup and baseline.
 */
export async function alongsideModelCheck<T>(
  check: Promise<PatchbayError | null>,
  start: (signal: AbortSignal) => Promise<T>,
  dispose: (value: T) => Promise<void>,
  signal: AbortSignal,
): Promise<T> {
  const stop = new AbortController();
  const verdict = check.then((error) => {
    if (error) stop.abort(error);
    return error;
  });
  let value: T;
  try {
    value = await start(AbortSignal.any([signal, stop.signal]));
  } catch (err) {
    if (stop.signal.aborted && !signal.aborted) throw (await verdict) ?? err;
    throw err;
  }
  const error = await verdict;
  if (error) {
    await dispose(value).catch(() => undefined);
    throw error;
  }
  return value;
}
