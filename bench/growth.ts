/**
 * `npm run bench -- growth [--jobs=8] [--only=repoFiles,outputMb,turns,subscribers,concurrency]`:
 * how cost grows, each measurement at three sizes —
 * repository files, output size, concurrent jobs, events per job, and SSE subscribers (beside the
 * smallest size as its baseline, and the load average). JSON in bench/results/growth-*.json,
 * written after each part; `npm run bench -- plot` draws the newest figure of each part.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { noisyJob } from "./load-api.js";
import { bigOutputSetup, manyTurns, queuedJobs, spec, TRIVIAL } from "./load-jobs.js";
import { fanOut, ticking } from "./load-sse.js";
import { flags, type LoadStack, load, startLoadStack, trivialRepo, writeResult } from "./load-stack.js";

const PARTS = ["repoFiles", "outputMb", "turns", "subscribers", "concurrency"];
const onlyArg = process.argv.find((a) => a.startsWith("--only="));
process.argv = process.argv.filter((a) => a !== onlyArg);
const only = new Set(onlyArg ? onlyArg.slice("--only=".length).split(",") : PARTS);
const opts = flags({ jobs: 8 });
const say = (msg: string) => process.stderr.write(`[bench growth] ${msg}\n`);
const SIZES = {
  repoFiles: [100, 1_000, 10_000],
  outputMb: [5, 20, 60],
  concurrency: [1, 2, 4],
  turns: [10, 40, 120],
  subscribers: [10, 100, 1_000],
};

/** A point of a curve: the size, the figures, and the load average around it. */
type Point = { size: number; loadBefore: number[]; loadAfter: number[] } & Record<string, unknown>;

/** ms of a plain `git clone` of `url` on the host (the floor of getting the repository). */
function hostClone(url: string): number {
  const dir = mkdtempSync(path.join(tmpdir(), "patchbay-bench-clone-"));
  const started = performance.now();
  execFileSync("git", ["clone", "-q", "--no-local", url, path.join(dir, "r")]);
  const ms = performance.now() - started;
  rmSync(dir, { recursive: true, force: true });
  return Math.round(ms);
}

async function repoFiles(stack: LoadStack): Promise<Point[]> {
  const points: Point[] = [];
  for (const files of SIZES.repoFiles) {
    say(`repository of ${files} files`);
    const repo = trivialRepo(files);
    const loadBefore = load();
    const cloneMs = hostClone(repo.url);
    const job = await queuedJobs(stack, repo.url, "trivial", 1);
    points.push({
      size: files,
      runMs: job.runMs.p50,
      hostCloneMs: cloneMs,
      failures: job.failures,
      loadBefore,
      loadAfter: load(),
    });
    repo.remove();
  }
  return points;
}

async function outputSize(stack: LoadStack, repoUrl: string, probeId: string): Promise<Point[]> {
  const points: Point[] = [];
  for (const mb of SIZES.outputMb) {
    say(`a job printing ${mb} MB`);
    const r = await noisyJob(stack, spec(repoUrl, "trivial", { setup: bigOutputSetup(mb) }), probeId);
    const { duringWindows: _w, loadBefore, loadAfter, ...rest } = r;
    points.push({ size: mb, ...rest, loadBefore, loadAfter });
  }
  return points;
}

async function eventsPerJob(stack: LoadStack, repoUrl: string): Promise<Point[]> {
  const points: Point[] = [];
  for (const turns of SIZES.turns) {
    say(`a job of ${turns} turns`);
    const loadBefore = load();
    const id = await stack.submit(spec(repoUrl, `turns${turns}`, { limits: { maxTurns: turns + 5 } }));
    const [row] = await stack.waitAll([id], 900_000);
    const started = performance.now();
    const text = await (await stack.call("GET", `/v1/jobs/${id}/events`)).text();
    const replayMs = Math.round(performance.now() - started);
    const events = text.split("\n\n").filter((b) => b.includes("\ndata: ")).length;
    const runMs = Date.parse(row!.finishedAt ?? "") - Date.parse(row!.startedAt ?? "");
    const error = row!.error ? { code: row!.error.code, message: row!.error.message } : null;
    points.push({ size: turns, status: row!.status, error, events, runMs, replayMs, loadBefore, loadAfter: load() });
  }
  return points;
}

async function subscribers(stack: LoadStack, repoUrl: string): Promise<Point[]> {
  const points: Point[] = [];
  for (const n of SIZES.subscribers) {
    say(`${n} SSE subscribers`);
    const { loadBefore, loadAfter, ...rest } = await fanOut(stack, spec(repoUrl, "ticking"), n);
    points.push({ size: n, ...rest, loadBefore, loadAfter });
  }
  return points;
}

async function concurrency(repoUrl: string): Promise<Point[]> {
  const points: Point[] = [];
  for (const c of SIZES.concurrency) {
    say(`${opts.jobs} jobs at concurrency ${c}`);
    const stack = await startLoadStack({ concurrency: c, scripts: { trivial: TRIVIAL } });
    try {
      // One job first so the worker's start-up is not in the figures.
      await queuedJobs(stack, repoUrl, "trivial", 1);
      const { workerRssMb, loadBefore, loadAfter, ...rest } = await queuedJobs(stack, repoUrl, "trivial", opts.jobs!);
      const { series: _s, ...rss } = workerRssMb;
      points.push({ size: c, ...rest, workerRssMb: rss, loadBefore, loadAfter });
    } finally {
      await stack.close();
    }
  }
  return points;
}

const turnScripts = Object.fromEntries(SIZES.turns.map((t) => [`turns${t}`, manyTurns(t)]));
const repo = trivialRepo();
const result: Record<string, unknown> = {
  benchmark: "growth",
  at: new Date().toISOString(),
  options: opts,
  sizes: SIZES,
  loadAtStart: load(),
};
let file: string | null = null;
const save = () => {
  result.loadAtEnd = load();
  file = writeResult("growth", result, file);
};
try {
  const sharedParts = ["outputMb", "turns", "subscribers", "repoFiles"].filter((p) => only.has(p));
  if (sharedParts.length > 0) {
    const scripts = { trivial: TRIVIAL, ticking: ticking(20), ...turnScripts };
    const stack = await startLoadStack({ concurrency: 4, scripts });
    try {
      const probeId = await stack.submit(spec(repo.url, "trivial"));
      await stack.waitAll([probeId], 300_000);
      const parts: Record<string, () => Promise<Point[]>> = {
        repoFiles: () => repoFiles(stack),
        outputMb: () => outputSize(stack, repo.url, probeId),
        turns: () => eventsPerJob(stack, repo.url),
        subscribers: () => subscribers(stack, repo.url),
      };
      for (const part of sharedParts) {
        result[part] = await parts[part]!();
        save();
      }
    } finally {
      await stack.close();
    }
  }
  if (only.has("concurrency")) {
    result.concurrency = await concurrency(repo.url);
    save();
  }
} finally {
  repo.remove();
}
say(`wrote ${file}`);
