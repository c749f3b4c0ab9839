import { isTransientStorageError } from "@patchbay/db";
import type { Logger } from "pino";

/**
 * Retries a storage write with exponential backoff (capped at 5 s) for up to `forMs`: a
 * Postgres restart in the middle of a job must delay its outcome, not lose it. A write the
 * database refused for its content fails the same way every time: it is thrown at once.
 */
export async function retryStorage<T>(
  what: string,
  write: () => Promise<T>,
  logger: Logger,
  forMs = 300_000,
): Promise<T> {
  const until = Date.now() + forMs;
  for (let attempt = 0; ; attempt++) {
    try {
      return await write();
    } catch (err) {
      if (!isTransientStorageError(err) || Date.now() > until) throw err;
      logger.warn({ err, attempt, what }, "storage write failed; retrying");
      await new Promise((r) => setTimeout(r, Math.min(5000, 100 * 2 ** attempt)));
    }
  }
}
