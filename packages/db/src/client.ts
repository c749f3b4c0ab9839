import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "./generated/prisma/client.js";

export type Db = PrismaClient;

/** Creates a Prisma client on the pg driver adapter (no native engine needed). */
export function createDb(databaseUrl: string, options?: { max?: number }): Db {
  const adapter = new PrismaPg({ connectionString: databaseUrl, max: options?.max ?? 10 });
  return new PrismaClient({ adapter });
}
