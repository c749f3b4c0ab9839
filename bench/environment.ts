/**
 * `npm run bench -- environment [samples]`: environments on a repository with 110 locked npm
 * packages (bench/fixtures/env-100), each figure beside its baseline from the same run:
 * - cold setup through the egress proxy (fresh project: empty dependency cache) vs `npm ci` on
 *   the host with an empty cache; a warm-cache miss vs `npm ci` on the host with a warm cache;
 * - submit → agent on a cache hit vs the same job on a repository with no dependencies;
 * - snapshot size and image build time.
 * Samples of each pair alternate which side goes first. Writes bench/results/environment-<timestamp>.json.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, hostname } from "node:os";
import path from "node:path";
import type { ModelScript } from "@patchbay/testkit";
import { fixtureRepo, type Stack, startStack } from "../tests/e2e/stack.js";
import { BenchProject, hostNpmCi, type JobTimes, npmVersions, Temps } from "./environment-jobs.js";
import { type Summary, summarize } from "./stats.js";

const N = Number(process.argv[2] ?? 5);
const FIXTURE = "bench/fixtures/env-100";
const ROOT = path.resolve(import.meta.dirname, "..");
/** After each job: the warm pool refills and removed images go before the next sample starts. */
const SETTLE_MS = 3000;
const NOTE =
  `${N} samples per figure on a 2-core machine shared with other work, and a registry reached through a ` +
  "TLS-inspecting network whose latency varies by tens of percent from minute to minute: read the ratios " +
  "of medians (and the per-pair ratios) as indications, not precise figures.";

const SCRIPTS: Record<string, ModelScript> = {
  noop: {
    turns: [
      { output: [{ type: "message", role: "assistant", content: [{ type: "output_text", text: "Nothing to do." }] }] },
    ],
  },
};
/** One turn that just finishes; `true` as the test check, so neither dominates. */
/** The sandbox gets the host's CPUs, as `npm ci` on the host has them: like against like. */
const CPUS = availableParallelism();
const spec = (url: string) => ({
  repo: { url },
  task: "Look around.",
  model: "script:noop",
  checks: { test: "true" },
  sandbox: { cpus: CPUS },
});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Samples {
  hostCold: number[];
  cold: JobTimes[];
  hostWarm: number[];
  warm: JobTimes[];
  hit: JobTimes[];
  noDeps: JobTimes[];
}

class Bench {
  readonly samples: Samples = { hostCold: [], cold: [], hostWarm: [], warm: [], hit: [], noDeps: [] };
  private readonly projects: BenchProject[] = [];
  private readonly repos: Array<{ remove(): void }> = [];
  readonly temps = new Temps();

  constructor(private readonly stack: Stack) {}

  async project(label: string): Promise<BenchProject> {
    const p = await BenchProject.create(this.stack, label);
    this.projects.push(p);
    return p;
  }

  /** A new git repository of `dir` (a new URL, hence a new environment key). */
  repo(dir = FIXTURE): string {
    const r = fixtureRepo(dir);
    this.repos.push(r);
    return r.url;
  }

  async job(project: BenchProject, url: string, expect: string): Promise<JobTimes> {
    const t = await project.runJob(spec(url));
    const status = t.environment?.status ?? "none";
    if (status !== expect) throw new Error(`job ${t.jobId}: environment ${status}, expected ${expect}`);
    await sleep(SETTLE_MS);
    return t;
  }

  async removeProject(project: BenchProject): Promise<void> {
    await project.remove();
    this.projects.splice(this.projects.indexOf(project), 1);
  }

  async cleanup(): Promise<void> {
    for (const p of this.projects.splice(0)) await p.remove().catch((err: unknown) => console.error(String(err)));
    for (const r of this.repos.splice(0)) r.remove();
    this.temps.removeAll();
  }
}

/** The hits that took (or not) a sandbox their environment was kept restored in (step `hot_sandbox`). */
function keptHits(hits: JobTimes[], kept: boolean): JobTimes[] {
  return hits.filter((t) => (t.steps.hot_sandbox !== undefined) === kept);
}

async function pair(i: number, host: () => Promise<void>, box: () => Promise<void>): Promise<void> {
  if (i % 2 === 0) {
    await host();
    await box();
  } else {
    await box();
    await host();
  }
}

async function measure(b: Bench): Promise<void> {
  const fixture = path.join(ROOT, FIXTURE);
  const s = b.samples;
  console.log("warming up: a warm dependency cache on both sides, a kept environment, the no-dependency repository");
  const warmProject = await b.project("warm");
  await b.job(warmProject, b.repo(), "built");
  const hostCache = b.temps.make("cache-warm");
  await hostNpmCi(b.temps, fixture, hostCache);
  const hitProject = await b.project("hit");
  const hitRepo = b.repo();
  await b.job(hitProject, hitRepo, "built");
  await b.job(hitProject, hitRepo, "hit");
  const noDepsRepo = b.repo("examples/demo-repo");
  await b.job(hitProject, noDepsRepo, "none");
  for (let i = 0; i < N; i++) {
    console.log(`round ${i + 1}/${N}`);
    await pair(
      i,
      async () => {
        const cache = b.temps.make("cache-cold");
        s.hostCold.push(await hostNpmCi(b.temps, fixture, cache));
        rmSync(cache, { recursive: true, force: true });
      },
      async () => {
        const fresh = await b.project("cold");
        s.cold.push(await b.job(fresh, b.repo(), "built"));
        await b.removeProject(fresh);
      },
    );
    await pair(
      i,
      async () => void s.hostWarm.push(await hostNpmCi(b.temps, fixture, hostCache)),
      async () => void s.warm.push(await b.job(warmProject, b.repo(), "built")),
    );
    await pair(
      i,
      async () => void s.noDeps.push(await b.job(hitProject, noDepsRepo, "none")),
      async () => void s.hit.push(await b.job(hitProject, hitRepo, "hit")),
    );
  }
}

const ratio = (a: number, b: number) => Math.round((a / b) * 100) / 100;
const median = (xs: number[]) => summarize(xs).p50;
const field = (ts: JobTimes[], pick: (t: JobTimes) => number | null | undefined) =>
  summarize(ts.map(pick).filter((x): x is number => typeof x === "number"));

/** Where a miss's setup phase went (p50 of each part, ms). */
function missBreakdown(ts: JobTimes[]) {
  return {
    setup_to_first_connection: field(ts, (t) => t.setupNetwork?.beforeFirstMs).p50,
    first_to_last_connection: field(ts, (t) => t.setupNetwork?.spanMs).p50,
    last_connection_to_environment_event: field(ts, (t) => t.setupNetwork?.afterLastMs).p50,
    of_which_image_build: field(ts, (t) => t.imageBuildMs).p50,
    environment_event_to_baseline: field(ts, (t) => t.environmentToBaselineMs).p50,
    connections: field(ts, (t) => t.setupNetwork?.connections).p50,
    steps_ms_since_phase_start: steps(ts),
  };
}

/** p50 of when each step of the phase ended (ms since the phase started), in the order they end. */
function steps(ts: JobTimes[]): Record<string, number> {
  const names = [...new Set(ts.flatMap((t) => Object.keys(t.steps)))];
  const p50s = names.map((n) => [n, field(ts, (t) => t.steps[n]).p50] as const);
  return Object.fromEntries(p50s.sort((a, b) => a[1] - b[1]));
}

/** Where submit → agent went (p50 of each part, ms). */
function submitBreakdown(ts: JobTimes[]) {
  return {
    submit_to_setup: field(ts, (t) => t.submitToSetupMs).p50,
    setup_phase: field(ts, (t) => t.setupMs).p50,
    baseline_to_agent: field(ts, (t) => t.baselineToAgentMs).p50,
    steps_ms_since_phase_start: steps(ts),
  };
}

/** The commit measured, and whether the worker's or packages' sources differed from it. */
function codeVersion(): { commit: string; uncommittedChanges: boolean } {
  const git = (...args: string[]) => execFileSync("git", args, { cwd: ROOT, encoding: "utf8" }).trim();
  return {
    commit: git("rev-parse", "--short", "HEAD"),
    uncommittedChanges: git("status", "--porcelain", "--", "apps", "packages").length > 0,
  };
}

function report(s: Samples, versions: { host: string; sandbox: string }): void {
  const results: Record<string, Summary> = {
    host_npm_ci_cold_cache: summarize(s.hostCold),
    setup_phase_cold_miss: field(s.cold, (t) => t.setupMs),
    environment_event_ms_cold_miss: field(s.cold, (t) => t.environment?.ms),
    host_npm_ci_warm_cache: summarize(s.hostWarm),
    setup_phase_warm_cache_miss: field(s.warm, (t) => t.setupMs),
    environment_event_ms_warm_cache_miss: field(s.warm, (t) => t.environment?.ms),
    submit_to_agent_cache_hit: field(s.hit, (t) => t.submitToAgentMs),
    // Which way each hit went: a sandbox the environment was kept restored in, or a restore on its path.
    submit_to_agent_cache_hit_from_kept_sandbox: field(keptHits(s.hit, true), (t) => t.submitToAgentMs),
    submit_to_agent_cache_hit_restoring: field(keptHits(s.hit, false), (t) => t.submitToAgentMs),
    submit_to_agent_no_dependencies: field(s.noDeps, (t) => t.submitToAgentMs),
    environment_event_ms_cache_hit: field(s.hit, (t) => t.environment?.ms),
    image_build_ms: field([...s.cold, ...s.warm], (t) => t.imageBuildMs),
  };
  const sizes = summarize([...s.cold, ...s.warm].map((t) => t.environment?.sizeBytes ?? 0));
  const pairs = (a: number[], b: number[]) => median(a.map((x, i) => x / (b[i] ?? Number.NaN)));
  const p50 = (k: string) => results[k]?.p50 ?? Number.NaN;
  const ratios = {
    cold_setup_vs_host_npm_ci: ratio(p50("setup_phase_cold_miss"), p50("host_npm_ci_cold_cache")),
    cold_setup_vs_host_npm_ci_median_of_pairs: ratio(
      pairs(
        s.cold.map((t) => t.setupMs),
        s.hostCold,
      ),
      1,
    ),
    warm_miss_vs_host_npm_ci_warm: ratio(p50("setup_phase_warm_cache_miss"), p50("host_npm_ci_warm_cache")),
    warm_miss_vs_host_npm_ci_warm_median_of_pairs: ratio(
      pairs(
        s.warm.map((t) => t.setupMs),
        s.hostWarm,
      ),
      1,
    ),
    hit_vs_no_dependencies_submit_to_agent: ratio(
      p50("submit_to_agent_cache_hit"),
      p50("submit_to_agent_no_dependencies"),
    ),
  };
  const targets = {
    cold_setup_le_1_15x_host_npm_ci: ratios.cold_setup_vs_host_npm_ci <= 1.15,
    hit_submit_to_agent_le_1_3x_no_dependencies: ratios.hit_vs_no_dependencies_submit_to_agent <= 1.3,
  };
  const breakdown = {
    cold_miss: missBreakdown(s.cold),
    warm_cache_miss: missBreakdown(s.warm),
    cache_hit: submitBreakdown(s.hit),
    no_dependencies: submitBreakdown(s.noDeps),
  };
  const at = new Date();
  const out = {
    benchmark: "environment",
    at: at.toISOString(),
    host: hostname(),
    code: codeVersion(),
    fixture: { path: FIXTURE, lockedPackages: 110 },
    sandboxCpus: CPUS,
    npm: versions,
    samples: N,
    note: NOTE,
    results,
    snapshot_size_bytes: sizes,
    ratios,
    targets,
    breakdown,
    raw: s,
  };
  mkdirSync("bench/results", { recursive: true });
  const file = `bench/results/environment-${at.toISOString().replace(/[:.]/g, "-")}.json`;
  writeFileSync(file, `${JSON.stringify(out, null, 2)}\n`);
  console.log(`\n${NOTE}\n`);
  console.log("| measurement | p50 ms | p90 ms | n |\n|---|---|---|---|");
  for (const [k, v] of Object.entries(results)) console.log(`| ${k} | ${v.p50} | ${v.p90} | ${v.n} |`);
  console.log(
    `| snapshot size (MB) | ${(sizes.p50 / 1e6).toFixed(1)} | ${(sizes.p90 / 1e6).toFixed(1)} | ${sizes.n} |`,
  );
  console.log(JSON.stringify({ ratios, targets, breakdown }, null, 2));
  console.log(`wrote ${file}`);
}

async function main(): Promise<void> {
  const stack = await startStack(SCRIPTS, { LOG_LEVEL: "warn" });
  const bench = new Bench(stack);
  try {
    const versions = await npmVersions(stack.config.PATCHBAY_SANDBOX_IMAGE);
    await measure(bench);
    report(bench.samples, versions);
  } finally {
    await bench.cleanup();
    await stack.close();
  }
}

await main();
// The stack's clients (queue, knowledge pool) may keep the event loop alive after close().
process.exit(0);
