/**
 * `npm run bench -- load [--jobs=200] [--subscribers=1000] [--output-mb=60] [--rate=50] [--seconds=20] [--sse-only=1]`:
 * many jobs through one worker at concurrency 4, the API at a fixed request rate, many SSE
 * subscribers to one job, and a job printing more than the log cap. Each figure beside its
 * baseline from the same run and the load average; JSON in bench/results/load-*.json.
 */
import os from "node:os";
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
});
const say = (msg: string) => process.stderr.write(`[bench load] ${msg}\n`);

const stack = await startLoadStack({
  concurrency: opts.concurrency!,
  scripts: { trivial: TRIVIAL, ticking: ticking(60, 10 + Math.ceil(opts.subscribers! / 8)) },
});
const repo = trivialRepo();
try {
  const result: Record<string, unknown> = {
    benchmark: "load",
    at: new Date().toISOString(),
    machine: { cpus: os.cpus().length, memoryGb: Math.round(os.totalmem() / 2 ** 30), node: process.version },
    options: opts,
    loadAtStart: load(),
    idleRssMb: { api: rssMb(stack.apiPid), worker: rssMb(stack.workerPid) },
  };
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
  if (!opts["sse-only"]) {
    say(`a job printing ${opts["output-mb"]} MB`);
    const probeId = await stack.submit(spec(repo.url, "trivial"));
    await stack.waitAll([probeId], 300_000);
    const noisy = spec(repo.url, "trivial", { setup: bigOutputSetup(opts["output-mb"]!) });
    result.bigOutput = { outputMb: opts["output-mb"], ...(await noisyJob(stack, noisy, probeId)) };
    say(`API at ${opts.rate}/s for ${opts.seconds} s (worker stopped: submitted jobs stay queued)`);
    await stack.stopWorker();
    result.api = await apiMix(stack, spec(repo.url, "trivial"), probeId, opts.rate!, opts.seconds!);
  }
  result.loadAtEnd = load();
  say(`wrote ${writeResult(opts["sse-only"] ? "load-sse" : "load", result)}`);
} finally {
  await stack.close();
  repo.remove();
}
