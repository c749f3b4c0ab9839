/** Pieces of `npm run bench -- load`: the API under a fixed request rate, and while a job is noisy. */
import { cpuMs, type LoadStack, load, MemorySampler, percentiles } from "./load-stack.js";

/** One kind of request of the mix. */
export type Op = "submit" | "get" | "list" | "events" | "healthz";

/**
 * Sends requests at `ratePerSec` for `seconds` whatever the answers (an open loop, so a slow API
 * shows as latency, not as a lower rate), at most `maxInFlight` at once (past it a tick is skipped
 * and counted). `pick(i)` chooses the i-th request.
 */
export async function fixedRate(
  stack: LoadStack,
  ratePerSec: number,
  seconds: number,
  pick: (i: number) => { op: Op; path: string; body?: unknown },
  maxInFlight = 256,
) {
  const latencies = new Map<Op, number[]>();
  const errors: Record<string, number> = {};
  let inFlight = 0;
  let skipped = 0;
  const pending: Array<Promise<void>> = [];
  const total = Math.round(ratePerSec * seconds);
  const start = performance.now();
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / ratePerSec;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    if (inFlight >= maxInFlight) {
      skipped++;
      continue;
    }
    const { op, path, body } = pick(i);
    inFlight++;
    const sent = performance.now();
    const method = op === "submit" ? "POST" : "GET";
    pending.push(
      stack
        .call(method, path, body)
        .then(async (res) => {
          await res.arrayBuffer();
          const ms = performance.now() - sent;
          if (res.status >= 300) errors[`${op} ${res.status}`] = (errors[`${op} ${res.status}`] ?? 0) + 1;
          else latencies.set(op, [...(latencies.get(op) ?? []), ms]);
        })
        .catch((err: Error) => {
          errors[`${op} ${err.message}`] = (errors[`${op} ${err.message}`] ?? 0) + 1;
        })
        .finally(() => {
          inFlight--;
        }),
    );
  }
  await Promise.all(pending);
  const all = [...latencies.values()].flat();
  const byOp = Object.fromEntries([...latencies].map(([op, ms]) => [op, percentiles(ms)]));
  return { ratePerSec, seconds, sent: total - skipped, skipped, errors, all: percentiles(all), byOp, raw: all };
}

/**
 * The API at `ratePerSec` with a mix of 10% submit, 40% get, 30% list, 20% events (the replay of a
 * finished job's stream, `finishedJobId`); beside it, `/healthz` at the same rate (no database).
 * Also the API process's CPU time per request (less noisy than latency on a shared machine).
 */
export async function apiMix(
  stack: LoadStack,
  spec: Record<string, unknown>,
  finishedJobId: string,
  ratePerSec: number,
  seconds: number,
) {
  const loadBefore = load();
  const baseline = await fixedRate(stack, ratePerSec, Math.min(seconds, 10), () => ({
    op: "healthz",
    path: "/healthz",
  }));
  const memory = new MemorySampler(stack.apiPid, 500);
  const cpuBefore = cpuMs(stack.apiPid);
  const ids = [finishedJobId];
  const mix = await fixedRate(stack, ratePerSec, seconds, (i) => {
    const slot = i % 10;
    if (slot === 0) return { op: "submit", path: "/v1/jobs", body: spec };
    if (slot <= 4) return { op: "get", path: `/v1/jobs/${ids[i % ids.length]}` };
    if (slot <= 7) return { op: "list", path: "/v1/jobs?limit=20" };
    return { op: "events", path: `/v1/jobs/${finishedJobId}/events` };
  });
  const apiCpuMs = cpuMs(stack.apiPid) - cpuBefore;
  const { raw: _b, ...baselineFigures } = baseline;
  const { raw: _m, ...mixFigures } = mix;
  return {
    baseline: baselineFigures,
    mix: { ...mixFigures, apiCpuMs, apiCpuMsPerRequest: Math.round((apiCpuMs / Math.max(1, mix.sent)) * 100) / 100 },
    apiRssMb: memory.stop(),
    loadBefore,
    loadAfter: load(),
  };
}

/**
 * A job printing a lot while `GET /v1/jobs/:id` runs at 10/s; beside it the same GETs before the
 * job. Then the job's stored log is counted through its event stream (the cap must hold).
 */
export async function noisyJob(stack: LoadStack, spec: Record<string, unknown>, probeJobId: string) {
  const probe = (seconds: number) =>
    fixedRate(stack, 10, seconds, () => ({ op: "get", path: `/v1/jobs/${probeJobId}` }));
  const loadBefore = load();
  const baseline = await probe(5);
  const apiMemory = new MemorySampler(stack.apiPid, 500);
  const workerMemory = new MemorySampler(stack.workerPid, 500);
  const id = await stack.submit(spec);
  const during: Array<Awaited<ReturnType<typeof probe>>> = [];
  const finished = stack.waitAll([id], 900_000);
  let ended = false;
  void finished.then(() => {
    ended = true;
  });
  while (!ended) during.push(await probe(5));
  const [row] = await finished;
  const replayStarted = performance.now();
  const stored = await storedLog(stack, id);
  const replayMs = Math.round(performance.now() - replayStarted);
  return {
    status: row!.status,
    runMs: Date.parse(row!.finishedAt ?? "") - Date.parse(row!.startedAt ?? ""),
    baselineGet: baseline.all,
    duringGet: percentiles(during.flatMap((d) => d.raw)),
    duringWindows: during.map((d) => ({ ...d.all, errors: d.errors, skipped: d.skipped })),
    storedLog: stored,
    replayMs,
    apiRssMb: apiMemory.stop(),
    workerRssMb: workerMemory.stop(),
    loadBefore,
    loadAfter: load(),
  };
}

/** The job's log events as stored: their count, characters, and whether the cap marker is there. */
async function storedLog(stack: LoadStack, id: string) {
  const text = await (await stack.call("GET", `/v1/jobs/${id}/events`)).text();
  let events = 0;
  let chars = 0;
  let capMarker = false;
  for (const block of text.split("\n\n")) {
    const line = block.split("\n").find((l) => l.startsWith("data: "));
    if (!line) continue;
    const e = JSON.parse(line.slice(6)) as { type: string; data: { text?: string } };
    if (e.type !== "log") continue;
    events++;
    chars += e.data.text?.length ?? 0;
    if (e.data.text?.includes("log reached")) capMarker = true;
  }
  return { events, chars, mb: Math.round((chars / 1_048_576) * 10) / 10, capMarker, streamBytes: text.length };
}
