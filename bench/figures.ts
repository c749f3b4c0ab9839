/** Markdown tables of a load and a growth result (for docs/perf/figures.md and the README). */

type Pct = { n: number; p50: number; p95: number; p99: number; max: number };
type Rss = { firstMb: number; lastMb: number; peakMb: number };
type Point = { size: number; loadBefore: number[]; loadAfter: number[] } & Record<string, unknown>;

/** What bench/load.ts writes (the fields the table reads). */
export interface LoadResult {
  options: Record<string, number>;
  singleJob: { runMs: Pct; queueWaitMs: Pct; loadBefore: number[] };
  manyJobs: {
    jobs: number;
    succeeded: number;
    jobsPerMinute: number;
    wallMs: number;
    queueWaitMs: Pct;
    runMs: Pct;
    workerRssMb: Rss;
    loadBefore: number[];
    loadAfter: number[];
  };
  sseBaseline: { deliveryMs: Pct; loadBefore: number[] };
  sse: {
    subscribers: number;
    complete: number;
    missingDeliveries: number;
    connectMs: number;
    deliveryMs: Pct;
    reachAllMs: Pct;
    apiRssMb: Rss & { idleMb: number };
    loadBefore: number[];
    loadAfter: number[];
  };
  bigOutput: {
    outputMb: number;
    status: string;
    baselineGet: Pct;
    duringGet: Pct;
    storedLog: { mb: number; capMarker: boolean };
    replayMs: number;
    apiRssMb: Rss;
    workerRssMb: Rss;
    loadBefore: number[];
    loadAfter: number[];
  };
  api: {
    baseline: { all: Pct };
    mix: { ratePerSec: number; seconds: number; sent: number; skipped: number; all: Pct; byOp: Record<string, Pct> };
    apiRssMb: Rss;
    loadBefore: number[];
    loadAfter: number[];
  };
}

const ms = (x: number) => (x >= 1000 ? `${(x / 1000).toFixed(1)} s` : `${Math.round(x)} ms`);
const la = (a: number[], b?: number[]) => (b ? `${a[0]}→${b[0]}` : `${a[0]}`);

/** The load benchmark as a table: figure, same-run baseline, load average. */
export function loadTable(r: LoadResult, source: string): string {
  const m = r.manyJobs;
  const s = r.sse;
  const o = r.bigOutput;
  const a = r.api;
  const ops = Object.entries(a.mix.byOp)
    .map(([op, p]) => `${op} ${ms(p.p50)}/${ms(p.p99)}`)
    .join(", ");
  const rows = [
    [
      `${m.jobs} jobs queued at once, one worker, concurrency ${r.options.concurrency}`,
      `${m.succeeded}/${m.jobs} succeeded; **${m.jobsPerMinute} jobs/min**; queue wait p50 ${ms(m.queueWaitMs.p50)}, p95 ${ms(m.queueWaitMs.p95)}; run p50 ${ms(m.runMs.p50)}, p95 ${ms(m.runMs.p95)}`,
      `one job alone: run ${ms(r.singleJob.runMs.p50)}`,
      la(m.loadBefore, m.loadAfter),
    ],
    [
      "worker memory (RSS) through those jobs",
      `${m.workerRssMb.firstMb} MB at the start, peak ${m.workerRssMb.peakMb} MB, ${m.workerRssMb.lastMb} MB at the end`,
      "",
      la(m.loadBefore, m.loadAfter),
    ],
    [
      `API at ${a.mix.ratePerSec} requests/s for ${a.mix.seconds} s (10% submit, 40% get, 30% list, 20% events replay)`,
      `p50 **${ms(a.mix.all.p50)}**, p99 **${ms(a.mix.all.p99)}** (${ops}); ${a.mix.skipped} ticks skipped at 256 in flight`,
      `\`/healthz\` at the same rate: p50 ${ms(a.baseline.all.p50)}, p99 ${ms(a.baseline.all.p99)}`,
      la(a.loadBefore, a.loadAfter),
    ],
    [
      `${s.subscribers} SSE subscribers to one running job`,
      `${s.complete}/${s.subscribers} got every event (${s.missingDeliveries} missing); delivery p50 **${ms(s.deliveryMs.p50)}**, p99 ${ms(s.deliveryMs.p99)}; an event reaches all: p50 ${ms(s.reachAllMs.p50)}, max ${ms(s.reachAllMs.max)}; API RSS ${s.apiRssMb.idleMb} → peak ${s.apiRssMb.peakMb} MB; all connected in ${ms(s.connectMs)}`,
      `1 subscriber: delivery p50 ${ms(r.sseBaseline.deliveryMs.p50)}, p99 ${ms(r.sseBaseline.deliveryMs.p99)}`,
      la(s.loadBefore, s.loadAfter),
    ],
    [
      `a job printing ${o.outputMb} MB (setup commands)`,
      `${o.status}; log stored ${o.storedLog.mb} MB${o.storedLog.capMarker ? " + the cap marker" : ""}; GET /v1/jobs/:id during it p50 **${ms(o.duringGet.p50)}**, p99 ${ms(o.duringGet.p99)}, max ${ms(o.duringGet.max)}; peak RSS API ${o.apiRssMb.peakMb} MB, worker ${o.workerRssMb.peakMb} MB; full replay ${ms(o.replayMs)}`,
      `the same GETs before it: p50 ${ms(o.baselineGet.p50)}, p99 ${ms(o.baselineGet.p99)}`,
      la(o.loadBefore, o.loadAfter),
    ],
  ];
  return table(["measurement", "figure", "baseline (same run)", "load average (1 min)"], rows, source);
}

function table(head: string[], rows: string[][], source: string): string {
  const line = (cells: string[]) => `| ${cells.join(" | ")} |`;
  return [line(head), line(head.map(() => "---")), ...rows.map(line), "", `From \`bench/results/${source}\`.`, ""].join(
    "\n",
  );
}

/** The growth parts as one table: each size's figure and its ratio to the smallest size. */
export function growthTable(parts: Record<string, Point[]>, sources: Record<string, string>): string {
  const rows: string[][] = [];
  const add = (
    part: string,
    what: string,
    unit: string,
    value: (p: Point) => number,
    baseline?: (p: Point) => string,
  ) => {
    const points = parts[part];
    if (!points) return;
    const first = value(points[0]!);
    for (const p of points) {
      const v = value(p);
      rows.push([
        what,
        `${p.size.toLocaleString("en-US")} ${unit}`,
        `${Number(v.toPrecision(3)).toLocaleString("en-US")}`,
        first > 0 ? `${(v / first).toFixed(2)}×` : "",
        baseline ? baseline(p) : "",
        la(p.loadBefore, p.loadAfter),
        sources[part] ?? "",
      ]);
    }
  };
  const pct = (p: Point, key: string) => (p[key] as Pct).p50;
  add(
    "repoFiles",
    "job run time, ms",
    "files",
    (p) => p.runMs as number,
    (p) => `host \`git clone\` ${p.hostCloneMs} ms`,
  );
  add(
    "outputMb",
    "GET p50 during the job, ms",
    "MB printed",
    (p) => pct(p, "duringGet"),
    (p) => `before: ${pct(p, "baselineGet")} ms`,
  );
  add("outputMb", "GET p99 during the job, ms", "MB printed", (p) => (p.duringGet as Pct).p99);
  add(
    "outputMb",
    "API peak RSS, MB",
    "MB printed",
    (p) => (p.apiRssMb as Rss).peakMb,
    (p) => `stored ${(p.storedLog as { mb: number }).mb} MB`,
  );
  add(
    "turns",
    "job run time, ms",
    "turns",
    (p) => p.runMs as number,
    (p) => `${p.events} events; replay ${p.replayMs} ms`,
  );
  add(
    "subscribers",
    "SSE delivery p50, ms",
    "subscribers",
    (p) => pct(p, "deliveryMs"),
    (p) => `reach all p50 ${pct(p, "reachAllMs")} ms`,
  );
  add("subscribers", "API peak RSS, MB", "subscribers", (p) => (p.apiRssMb as Rss).peakMb);
  add("concurrency", "jobs per minute", "at once", (p) => p.jobsPerMinute as number);
  add(
    "concurrency",
    "run time p50, ms",
    "at once",
    (p) => pct(p, "runMs"),
    (p) => `queue wait p50 ${pct(p, "queueWaitMs")} ms`,
  );
  const head = ["measurement", "size", "figure", "× smallest", "beside it", "load average", "file"];
  const line = (cells: string[]) => `| ${cells.join(" | ")} |`;
  return [line(head), line(head.map(() => "---")), ...rows.map(line), ""].join("\n");
}

/** The SSE-only run (`load --sse-only=1`) as a table. */
export function sseTable(r: Pick<LoadResult, "sse" | "sseBaseline">, source: string): string {
  const s = r.sse;
  const row = [
    `${s.subscribers} SSE subscribers to one running job`,
    `${s.complete}/${s.subscribers} got every event; delivery p50 **${ms(s.deliveryMs.p50)}**, p99 ${ms(s.deliveryMs.p99)}; an event reaches all: p50 ${ms(s.reachAllMs.p50)}, max ${ms(s.reachAllMs.max)}; API RSS ${s.apiRssMb.idleMb} → peak ${s.apiRssMb.peakMb} MB; all connected in ${ms(s.connectMs)}`,
    `1 subscriber: delivery p50 ${ms(r.sseBaseline.deliveryMs.p50)}, p99 ${ms(r.sseBaseline.deliveryMs.p99)}`,
    la(s.loadBefore, s.loadAfter),
  ];
  return table(["measurement", "figure", "baseline (same run)", "load average (1 min)"], [row], source);
}
