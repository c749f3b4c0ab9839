import type { PendingMessage } from "@patchbay/agent";
import type { JobEventRepository } from "@patchbay/db";

/** Where the worker reads steering messages: the job's `user_message` events. */
export type SteeringSource = Pick<JobEventRepository, "listOfType">;

/**
 * The steering messages of one job not yet given to this run, for `runAgent`'s
 * `pendingMessages`. The API stores each accepted message as a `user_message` event, so a
 * message outlives a worker restart: a new attempt starts its conversation afresh and gets every
 * message the user sent again, in order.
 */
export function steeringInbox(source: SteeringSource, jobId: string): () => Promise<PendingMessage[]> {
  let cursor = 0;
  return async () => {
    const pending: PendingMessage[] = [];
    for (;;) {
      const page = await source.listOfType(jobId, "user_message", cursor);
      for (const event of page) {
        cursor = event.seq;
        if (!event.data.delivered) pending.push({ id: event.data.messageId, text: event.data.text });
      }
      if (page.length < 500) return pending;
    }
  };
}
