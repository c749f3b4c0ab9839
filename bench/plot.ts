/**
 * `npm run bench -- plot [growth.json] [load.json]`: draws the newest (or the given)
 * bench/results/growth-*.json and load-*.json as SVG charts in docs/perf/, and their figures as
 * tables in docs/perf/figures.md.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { growthTable, type LoadResult, loadTable, sseTable } from "./figures.js";
import { type ChartSpec, lineChart, type Series } from "./svg-chart.js";

const ROOT = path.resolve(import.meta.dirname, "..");
const RESULTS = path.join(ROOT, "bench/results");
const OUT = path.join(ROOT, "docs/perf");

type Point = { size: number; loadBefore: number[]; loadAfter: number[] } & Record<string, unknown>;
type Pct = { p50: number; p95?: number; p99: number };
type Rss = { peakMb: number };

function newest(prefix: string, given?: string): string {
  if (given) return path.resolve(given);
  const files = readdirSync(RESULTS)
    // load-2026-… but not load-sse-2026-…
    .filter((f) => new RegExp(`^${prefix}-\\d`).test(f) && f.endsWith(".json"))
    .sort();
  if (files.length === 0) throw new Error(`no bench/results/${prefix}-*.json; run npm run bench -- ${prefix}`);
  return path.join(RESULTS, files.at(-1)!);
}

/** "load average 3.1–7.4" over the points (1-minute figure, before and after each). */
function loadRange(points: Point[]): string {
  const all = points.flatMap((p) => [p.loadBefore[0]!, p.loadAfter[0]!]);
  return `load average ${Math.min(...all).toFixed(1)}–${Math.max(...all).toFixed(1)} (2 cores)`;
}

function line(name: string, points: Point[], value: (p: Point) => number, dashed = false): Series {
  return { name, points: points.map((p) => [p.size, value(p)]), ...(dashed ? { dashed } : {}) };
}

function save(name: string, spec: ChartSpec): string {
  const file = path.join(OUT, `${name}.svg`);
  writeFileSync(file, lineChart(spec));
  return path.relative(ROOT, file);
}

const PARTS = ["repoFiles", "outputMb", "turns", "subscribers", "concurrency"];

/** Each part of the growth benchmark from the newest file that has it (parts may run apart). */
function growthParts(given?: string): { parts: Record<string, Point[]>; sources: Record<string, string> } {
  const files = given
    ? [path.resolve(given)]
    : readdirSync(RESULTS)
        .filter((f) => f.startsWith("growth-") && f.endsWith(".json"))
        .sort()
        .reverse()
        .map((f) => path.join(RESULTS, f));
  const parts: Record<string, Point[]> = {};
  const sources: Record<string, string> = {};
  for (const file of files) {
    const g = JSON.parse(readFileSync(file, "utf8")) as Record<string, Point[]>;
    for (const part of PARTS) {
      // A part whose jobs did not succeed measured a failure, not the cost: left out.
      if (parts[part] || !g[part] || g[part].some((p) => p.status !== undefined && p.status !== "succeeded")) continue;
      parts[part] = g[part];
      sources[part] = path.basename(file);
    }
  }
  return { parts, sources };
}

function growthCharts(given?: string): string[] {
  const { parts: g, sources } = growthParts(given);
  const sub = (points: Point[]) => {
    const part = PARTS.find((p) => g[p] === points)!;
    return `${loadRange(points)}; ${sources[part]}`;
  };
  const written: string[] = [];
  const repo = g.repoFiles;
  if (repo)
    written.push(
      save("growth-repo-files", {
        title: "Job time by repository size",
        subtitle: sub(repo),
        xLabel: "files in the repository (log scale)",
        yLabel: "ms",
        xLog: true,
        series: [
          line("job run (start → end)", repo, (p) => p.runMs as number),
          line("git clone on the host", repo, (p) => p.hostCloneMs as number, true),
        ],
      }),
    );
  const out = g.outputMb;
  if (out)
    written.push(
      save("growth-output-latency", {
        title: "API latency while a job prints a lot",
        subtitle: sub(out),
        xLabel: "MB printed by the job (log cap 50 MiB)",
        yLabel: "GET /v1/jobs/:id, ms",
        series: [
          line("p50 during", out, (p) => (p.duringGet as Pct).p50),
          line("p99 during", out, (p) => (p.duringGet as Pct).p99),
          line("p50 before (baseline)", out, (p) => (p.baselineGet as Pct).p50, true),
          line("p99 before (baseline)", out, (p) => (p.baselineGet as Pct).p99, true),
        ],
      }),
      save("growth-output-memory", {
        title: "Memory while a job prints a lot",
        subtitle: sub(out),
        xLabel: "MB printed by the job",
        yLabel: "peak RSS, MB",
        series: [
          line("API", out, (p) => (p.apiRssMb as Rss).peakMb),
          line("worker", out, (p) => (p.workerRssMb as Rss).peakMb),
          line("log stored, MB", out, (p) => (p.storedLog as { mb: number }).mb, true),
        ],
      }),
    );
  const turns = g.turns;
  if (turns)
    written.push(
      save("growth-events", {
        title: "Job time by events per job",
        subtitle: sub(turns),
        xLabel: `model turns (events: ${turns.map((p) => p.events).join(", ")})`,
        yLabel: "ms",
        series: [
          line("job run", turns, (p) => p.runMs as number),
          line("replay of all events (GET …/events)", turns, (p) => p.replayMs as number),
        ],
      }),
    );
  const subs = g.subscribers;
  if (subs)
    written.push(
      save("growth-subscribers", {
        title: "SSE fan-out: one job, many subscribers",
        subtitle: sub(subs),
        xLabel: "subscribers (log scale)",
        yLabel: "ms from event emitted",
        xLog: true,
        series: [
          line("delivery p50", subs, (p) => (p.deliveryMs as Pct).p50),
          line("delivery p99", subs, (p) => (p.deliveryMs as Pct).p99),
          line("event reaches all, p50", subs, (p) => (p.reachAllMs as Pct).p50),
          line("all streams connected", subs, (p) => p.connectMs as number, true),
        ],
      }),
    );
  const conc = g.concurrency;
  if (conc)
    written.push(
      save("growth-concurrency", {
        title: "Throughput by worker concurrency",
        subtitle: sub(conc),
        xLabel: "jobs at once (one worker)",
        yLabel: "jobs per minute / run time p50 in s",
        series: [
          line("jobs per minute", conc, (p) => p.jobsPerMinute as number),
          line("run time p50, s", conc, (p) => (p.runMs as Pct).p50 / 1000),
        ],
      }),
    );
  return written;
}

function loadCharts(file: string): string[] {
  const l = JSON.parse(readFileSync(file, "utf8")) as {
    manyJobs: {
      jobs: number;
      workerRssMb: { series?: Array<{ t: number; mb: number }> };
      loadBefore: number[];
      loadAfter: number[];
    };
  };
  const series = l.manyJobs.workerRssMb.series;
  if (!series) return [];
  return [
    save("load-worker-memory", {
      title: `Worker memory through ${l.manyJobs.jobs} queued jobs (concurrency 4)`,
      subtitle: `load average ${l.manyJobs.loadBefore[0]}→${l.manyJobs.loadAfter[0]} (2 cores); ${path.basename(file)}`,
      xLabel: "seconds since the first submit",
      yLabel: "worker RSS, MB",
      series: [{ name: "worker RSS", points: series.map((s) => [Math.round(s.t / 1000), s.mb]) }],
    }),
  ];
}

/** The newest `load --sse-only=1` run, when there is one. */
function sseSection(): string[] {
  const files = readdirSync(RESULTS).filter((f) => f.startsWith("load-sse-") && f.endsWith(".json"));
  if (files.length === 0) return [];
  const file = files.sort().at(-1)!;
  const r = JSON.parse(readFileSync(path.join(RESULTS, file), "utf8")) as LoadResult;
  return ["## SSE fan-out alone", "", sseTable(r, file)];
}

mkdirSync(OUT, { recursive: true });
const [growthArg, loadArg] = process.argv.slice(2);
const loadFile = newest("load", loadArg);
const written = [...growthCharts(growthArg), ...loadCharts(loadFile)];
const { parts, sources } = growthParts(growthArg);
const figures = [
  "# Performance figures (generated by `npm run bench -- plot`; do not edit)",
  "",
  "## Load",
  "",
  loadTable(JSON.parse(readFileSync(loadFile, "utf8")) as LoadResult, path.basename(loadFile)),
  ...sseSection(),
  "## Growth",
  "",
  growthTable(parts, sources),
].join("\n");
writeFileSync(path.join(OUT, "figures.md"), figures);
// Padded as the repository's formatter wants its tables (`npm run check` fails otherwise).
execFileSync("npx", ["biome", "format", "--write", path.join(OUT, "figures.md")], { cwd: ROOT, stdio: "ignore" });
written.push("docs/perf/figures.md");
for (const f of written) process.stderr.write(`wrote ${f}\n`);
