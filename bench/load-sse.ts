/** Piece of `npm run bench -- load`: many SSE subscribers to one running job. */
import http from "node:http";
import type { ModelScript } from "@patchbay/testkit";
import { type LoadStack, load, MemorySampler, percentiles } from "./load-stack.js";

const done = { type: "message", role: "assistant", content: [{ type: "output_text", text: "done" }] };

/** A job that waits `delaySec` (for the subscribers to connect), then prints `ticks` lines 0.3 s apart. */
export function ticking(ticks: number, delaySec = 8): ModelScript {
  const command = `sleep ${delaySec}; for i in $(seq 1 ${ticks}); do echo tick $i; sleep 0.3; done`;
  return { turns: [{ output: [{ type: "shell_call", action: { commands: [command] } }] }, { output: [done] }] };
}

/** One subscriber: when each event (by seq) arrived, and each event's emit time. */
interface Subscriber {
  connected: Promise<void>;
  /** When the stream's first event arrived (it had caught up with the job then). */
  firstEventAt: number | null;
  ended: Promise<void>;
  arrivals: Map<number, number>;
  close(): void;
}

function subscribe(stack: LoadStack, jobId: string, emitted: Map<number, { ts: number; type: string }>): Subscriber {
  const arrivals = new Map<number, number>();
  const sub = { firstEventAt: null as number | null };
  const url = new URL(`${stack.api}/v1/jobs/${jobId}/events`);
  let onConnected: () => void = () => {};
  let onEnded: () => void = () => {};
  const connected = new Promise<void>((r) => {
    onConnected = r;
  });
  const ended = new Promise<void>((r) => {
    onEnded = r;
  });
  const req = http.get(url, { headers: { authorization: `Bearer ${stack.key}` }, agent: false }, (res) => {
    let buffer = "";
    res.setEncoding("utf8");
    res.on("data", (chunk: string) => {
      onConnected();
      const now = Date.now();
      buffer += chunk;
      const blocks = buffer.split("\n\n");
      buffer = blocks.pop() ?? "";
      for (const block of blocks) {
        const data = block.split("\n").find((l) => l.startsWith("data: "));
        if (!data) continue;
        const e = JSON.parse(data.slice(6)) as { seq: number; ts: string; type: string; data: { text?: unknown } };
        arrivals.set(e.seq, now);
        sub.firstEventAt ??= now;
        const tick = e.type === "log" && typeof e.data.text === "string" && e.data.text.startsWith("tick ");
        if (!emitted.has(e.seq)) emitted.set(e.seq, { ts: Date.parse(e.ts), type: tick ? "tick" : e.type });
      }
    });
    res.on("end", onEnded);
    res.on("error", onEnded);
  });
  req.on("error", () => {
    onConnected();
    onEnded();
  });
  return {
    connected,
    ended,
    arrivals,
    get firstEventAt() {
      return sub.firstEventAt;
    },
    close: () => req.destroy(),
  };
}

/**
 * `subscribers` streams of one job that prints `ticks` lines once they are connected: whether all
 * of them got every event, each event's delivery time (emit → arrival) and the time for one event
 * to reach all subscribers, and the API's memory.
 */
export async function fanOut(stack: LoadStack, spec: Record<string, unknown>, subscribers: number) {
  const loadBefore = load();
  const memory = new MemorySampler(stack.apiPid, 250);
  const idleMb = memory.samples[0]?.mb ?? 0;
  const jobId = await stack.submit(spec);
  const emitted = new Map<number, { ts: number; type: string }>();
  const subs: Subscriber[] = [];
  const connectStarted = performance.now();
  for (let i = 0; i < subscribers; i++) subs.push(subscribe(stack, jobId, emitted));
  await Promise.all(subs.map((s) => s.connected));
  const connectMs = Math.round(performance.now() - connectStarted);
  const [row] = await stack.waitAll([jobId], 600_000);
  const endTimeout = new Promise((r) => setTimeout(r, 60_000));
  await Promise.race([Promise.all(subs.map((s) => s.ended)), endTimeout]);
  const ram = memory.stop();
  for (const s of subs) s.close();
  // Only ticks emitted once every stream had caught up: earlier ones reach late streams as replay.
  const allConnectedAt = Math.max(...subs.map((s) => s.firstEventAt ?? Number.POSITIVE_INFINITY));
  const ticks = [...emitted].filter(([, e]) => e.type === "tick" && e.ts > allConnectedAt).map(([seq]) => seq);
  const deliveries: number[] = [];
  const reachAll: number[] = [];
  let missing = 0;
  for (const seq of ticks) {
    const ts = emitted.get(seq)!.ts;
    const arrived = subs.map((s) => s.arrivals.get(seq));
    missing += arrived.filter((a) => a === undefined).length;
    const got = arrived.filter((a): a is number => a !== undefined);
    deliveries.push(...got.map((a) => a - ts));
    if (got.length === subs.length) reachAll.push(Math.max(...got) - ts);
  }
  return {
    subscribers,
    status: row!.status,
    connectMs,
    /** Ticks emitted after every stream had caught up (the ones measured). */
    logEvents: ticks.length,
    missingDeliveries: missing,
    complete: subs.filter((s) => ticks.every((seq) => s.arrivals.has(seq))).length,
    deliveryMs: percentiles(deliveries),
    reachAllMs: percentiles(reachAll),
    apiRssMb: { idleMb, ...ram },
    loadBefore,
    loadAfter: load(),
  };
}
