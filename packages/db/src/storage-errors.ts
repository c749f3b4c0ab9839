import { Prisma } from "./generated/prisma/client.js";
import { isDatabaseUnavailable } from "./unavailable.js";

// SQLSTATE classes that pass: connection (08), transaction rollback such as a deadlock (40),
// insufficient resources (53), operator intervention such as a restart (57), system error (58).
const TRANSIENT_SQLSTATE = /^(08|40|53|57|58)/;
// Prisma: transaction API errors (a transaction that timed out waiting), write conflicts, deadlocks.
const TRANSIENT_PRISMA = new Set(["P2028", "P2034"]);
// What the pg driver and its pool say when the connection, not the query, is the problem.
const CONNECTION_WORDS =
  /connect|socket|ETIMEDOUT|EPIPE|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_AGAIN|timeout|timed out|not queryable|terminat/i;

/** The SQLSTATE Postgres answered with, when the error carries one (through the pg driver adapter). */
export function sqlState(err: unknown): string | undefined {
  if (!(err instanceof Prisma.PrismaClientKnownRequestError)) return undefined;
  const meta = err.meta as { driverAdapterError?: { cause?: { originalCode?: unknown; code?: unknown } } } | undefined;
  const cause = meta?.driverAdapterError?.cause;
  const code = cause?.originalCode ?? cause?.code;
  return typeof code === "string" ? code : undefined;
}

/**
 * Whether a failed storage write may succeed when tried again: the database is unreachable,
 * restarting or briefly out of resources. A write it refused for its content (bad text, a
 * constraint, a value too large) fails the same way every time and must not be retried.
 */
export function isTransientStorageError(err: unknown): boolean {
  if (isDatabaseUnavailable(err)) return true;
  if (err instanceof Prisma.PrismaClientKnownRequestError) {
    const state = sqlState(err);
    if (state !== undefined) return TRANSIENT_SQLSTATE.test(state);
    return TRANSIENT_PRISMA.has(err.code);
  }
  if (err instanceof Prisma.PrismaClientValidationError) return false;
  // Anything else (a driver error, one of ours such as a value JSON cannot hold) passes only
  // when it speaks of the connection.
  return err instanceof Error && CONNECTION_WORDS.test(err.message);
}

/**
 * Whether an error, or one it wraps (`cause`), is the database being out of reach: a job that
 * failed this way did nothing wrong and is worth running again once the database is back.
 * Only Prisma's own errors count, so a model or git error that speaks of a connection does not.
 */
export function isStorageOutage(err: unknown): boolean {
  for (let link = err, depth = 0; link instanceof Error && depth < 8; link = link.cause, depth++) {
    const fromPrisma =
      link instanceof Prisma.PrismaClientKnownRequestError ||
      link instanceof Prisma.PrismaClientInitializationError ||
      link instanceof Prisma.PrismaClientUnknownRequestError;
    if (fromPrisma && isTransientStorageError(link)) return true;
  }
  return false;
}
