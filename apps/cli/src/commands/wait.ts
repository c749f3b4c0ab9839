import { isTerminal } from "@patchbay/core";
import type { ApiClient, JobView } from "../api-client.js";
import type { ProgressSink } from "../progress.js";

/** Follows a job's events to the end, reporting them to the sink, and returns the final job. */
export async function waitForJob(api: ApiClient, id: string, progress: ProgressSink): Promise<JobView> {
  let after = 0;
  let failures = 0;
  try {
    // The stream closes when the job has finished; reconnect from the last seq if it drops early.
    for (;;) {
      try {
        for await (const e of api.events(id, after)) {
          after = e.seq;
          failures = 0;
          progress.event(e);
        }
      } catch (err) {
        if (++failures > 6) throw err;
        await new Promise((r) => setTimeout(r, 500 * failures));
      }
      const job = await api.get(id);
      if (isTerminal(job.status as Parameters<typeof isTerminal>[0])) return job;
      await new Promise((r) => setTimeout(r, 250));
    }
  } finally {
    progress.done();
  }
}
