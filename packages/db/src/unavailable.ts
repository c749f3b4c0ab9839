import { Prisma } from "./generated/prisma/client.js";

/** Prisma codes that mean "the database cannot be reached right now", not "your query is bad". */
const UNREACHABLE_CODES = new Set(["P1001", "P1002", "P1008", "P1017", "P2024"]);
const CONNECTION_TROUBLE = /ECONNREFUSED|ECONNRESET|terminating connection|Connection terminated|connection timeout/i;

/** Whether an error says the database is down or unreachable (a retry later can succeed). */
export function isDatabaseUnavailable(err: unknown): boolean {
  if (err instanceof Prisma.PrismaClientKnownRequestError) {
    return UNREACHABLE_CODES.has(err.code) || CONNECTION_TROUBLE.test(err.message);
  }
  if (err instanceof Prisma.PrismaClientInitializationError) return true;
  return err instanceof Error && CONNECTION_TROUBLE.test(err.message);
}
