import type { ApiClient, JobView } from "../api-client.js";
import { formatEvent } from "../format.js";

/** Follows a job's events to the end (printing them unless quiet) and returns the final job. */
export async function waitForJob(
  api: ApiClient,
  id: string,
  out: { event?: (line: string) => void; json?: boolean },
): Promise<JobView> {
  let after = 0;
  // The stream closes when the job has finished; reconnect from the last seq if it drops early.
  for (let attempt = 0; attempt < 100; attempt++) {
    try {
      for await (const e of api.events(id, after)) {
        after = e.seq;
        if (out.json) out.event?.(JSON.stringify(e));
        else out.event?.(formatEvent(e));
      }
    } catch (err) {
      if (attempt > 5) throw err;
      await new Promise((r) => setTimeout(r, 500 * (attempt + 1)));
    }
    const job = await api.get(id);
    if (["succeeded", "failed", "cancelled", "timed_out", "error"].includes(job.status)) return job;
  }
  return api.get(id);
}
