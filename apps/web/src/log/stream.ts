import type { EventType, JobEvent } from "@patchbay/core";
import { json } from "../api.js";
import { TERMINAL } from "../format.js";

// The SSE event names (core's EVENT_TYPES; a type-only import keeps core's code out of the bundle).
const EVENT_TYPES: Record<EventType, true> = {
  status: true,
  log: true,
  model: true,
  tool_call: true,
  tool_result: true,
  check: true,
  error: true,
  network: true,
  environment: true,
  user_message: true,
  plan: true,
  hidden: true,
};

/**
 * A job's events over EventSource, opened with a job-scoped stream token (an EventSource cannot
 * send the key): each event once and in order, resumed after the last seen one when the
 * connection or the 5-minute token runs out. `onState` says what the stream is doing.
 */
export function jobStream(
  jobId: string,
  signal: AbortSignal,
  onEvent: (e: JobEvent) => void,
  onState: (state: string) => void,
  /** Whether the job is known to have finished (its stream then ends without a status event to say so). */
  finished: () => boolean = () => false,
): void {
  let lastSeq = 0;
  let done = false;
  let source: EventSource | null = null;

  const handle = (e: JobEvent) => {
    if (e.seq <= lastSeq) return;
    lastSeq = e.seq;
    onEvent(e);
    if (e.type === "status" && TERMINAL.includes(e.data.status)) {
      done = true;
      source?.close();
      onState(`finished (${e.seq.toLocaleString("en")} events)`);
    }
  };

  const open = async (): Promise<void> => {
    if (done || signal.aborted) return;
    try {
      const { token } = await json<{ token: string }>(`/v1/jobs/${jobId}/stream-token`, { method: "POST" });
      if (signal.aborted) return;
      const es = new EventSource(`/v1/jobs/${jobId}/events?token=${encodeURIComponent(token)}&after=${lastSeq}`);
      source = es;
      for (const type of Object.keys(EVENT_TYPES))
        es.addEventListener(type, (m) => handle(JSON.parse((m as MessageEvent).data)));
      es.onopen = () => !done && onState("● live");
      // A refused reconnect (the token expired) closes the source: mint a new token.
      es.onerror = () => {
        if (done) return;
        if (finished()) {
          done = true;
          es.close();
          onState(`finished (${lastSeq.toLocaleString("en")} events)`);
          return;
        }
        onState("reconnecting…");
        if (es.readyState === EventSource.CLOSED) setTimeout(open, 1000);
      };
    } catch (err) {
      onState(`stream unavailable (${(err as Error).message}); retrying`);
      setTimeout(open, 3000);
    }
  };
  signal.addEventListener("abort", () => source?.close());
  void open();
}
