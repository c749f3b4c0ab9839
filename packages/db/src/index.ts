export { createDb, type Db } from "./client.js";
export { JobEventRepository } from "./event-repository.js";
export { type JobRecord, JobRepository, type TransitionFields } from "./job-repository.js";

/** Whether the database answers a trivial query. */
export async function pingDb(db: import("./client.js").Db): Promise<boolean> {
  try {
    await db.$queryRaw`SELECT 1`;
    return true;
  } catch {
    return false;
  }
}
export { isDatabaseUnavailable } from "./unavailable.js";
