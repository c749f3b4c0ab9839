/**
 * `npm run bench -- load [--jobs=200] [--subscribers=1000] [--output-mb=60] [--rate=50] [--seconds=20] [--sse-only=1]
 *  [--api-only=1] [--cpu-prof=1]`:
 * many jobs through one worker at concurrency 4, the API at a fixed request rate, many SSE
 * subscribers to one job, and a job printing more than the log cap. Each figure beside its
 * baseline from the same run and the load average; JSON in bench/results/load-*.json. `--api-only=1`
 * runs one job (the finished job the mix reads) and then only the API at a fixed rate (load-api-*.json);
 * `--cpu-prof=1` writes the API process's V8 CPU profile to a temp dir (named at the end).
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { apiMix, noisyJob } from "./load-api.js";
import { bigOutputSetup, queuedJobs, spec, TRIVIAL } from "./load-jobs.js";
import { fanOut, ticking } from "./load-sse.js";
import { flags, load, rssMb, startLoadStack, trivialRepo, writeResult } from "./load-stack.js";

const opts = flags({
  jobs: 200,
  subscribers: 1000,
  "output-mb": 60,
  rate: 50,
  seconds: 20,
  concurrency: 4,
  "sse-only": 0,
  "api-only": 0,
  "cpu-prof": 0,
});
const say = (msg: string) => process.stderr.write(`[bench load] ${msg}\n`);

const profileDir = opts["cpu-prof"] ? mkdtempSync(path.join(os.tmpdir(), "patchbay-api-prof-")) : null;
const stack = await startLoadStack({
  concurrency: opts.concurrency!,
  ...(profileDir ? { apiNodeArgs: ["--cpu-prof", `--cpu-prof-dir=${profileDir}`] } : {}),
  scripts: { trivial: TRIVIAL, ticking: ticking(60, 10 + Math.ceil(opts.subscribers! / 8)) },
});
const repo = trivialRepo();
try {
  const result: Record<string, unknown> = {
    benchmark: "load",
    at: new Date().toISOString(),
    machine: { cpus: os.cpus().length, memoryGb: Math.round(os.totalmem() / 2 ** 30), node: process.version },
    options: opts,
    commit: execFileSync("git", ["rev-parse", "--short", "HEAD"], { encoding: "utf8" }).trim(),
    loadAtStart: load(),
    idleRssMb: { api: rssMb(stack.apiPid), worker: rssMb(stack.workerPid) },
  };
  if (opts["api-only"]) {
    const finishedId = await stack.submit(spec(repo.url, "trivial"));
    await stack.waitAll([finishedId], 300_000);
    say(`API at ${opts.rate}/s for ${opts.seconds} s (worker stopped: submitted jobs stay queued)`);
    await stack.stopWorker();
    result.api = await apiMix(stack, spec(repo.url, "trivial"), finishedId, opts.rate!, opts.seconds!);
  } else {
    await everything(result);
  }
  result.loadAtEnd = load();
  const name = opts["api-only"] ? "load-api" : opts["sse-only"] ? "load-sse" : "load";
  say(`wrote ${writeResult(name, result)}`);
} finally {
  await stack.close();
  repo.remove();
  if (profileDir) say(`API CPU profile in ${profileDir}`);
}

/** The whole benchmark (all but `--api-only`): jobs, SSE fan-out, big output, then the API mix. */
async function everything(result: Record<string, unknown>): Promise<void> {
  say("one job alone (the baseline)");
  result.singleJob = await queuedJobs(stack, repo.url, "trivial", 1);
  if (!opts["sse-only"]) {
    say(`${opts.jobs} jobs queued at once, concurrency ${opts.concurrency}`);
    result.manyJobs = await queuedJobs(stack, repo.url, "trivial", opts.jobs!);
  }
  say("SSE: 1 subscriber (the baseline)");
  result.sseBaseline = await fanOut(stack, spec(repo.url, "ticking"), 1);
  say(`SSE: ${opts.subscribers} subscribers`);
  result.sse = await fanOut(stack, spec(repo.url, "ticking"), opts.subscribers!);
  if (opts["sse-only"]) return;
  say(`a job printing ${opts["output-mb"]} MB`);
  const probeId = await stack.submit(spec(repo.url, "trivial"));
  await stack.waitAll([probeId], 300_000);
  const noisy = spec(repo.url, "trivial", { setup: bigOutputSetup(opts["output-mb"]!) });
  result.bigOutput = { outputMb: opts["output-mb"], ...(await noisyJob(stack, noisy, probeId)) };
  say(`API at ${opts.rate}/s for ${opts.seconds} s (worker stopped: submitted jobs stay queued)`);
  await stack.stopWorker();
  result.api = await apiMix(stack, spec(repo.url, "trivial"), probeId, opts.rate!, opts.seconds!);
}
