/**
 * `npm run bench -- e2e [samples] [largeSamples]`: whole jobs through a real stack (API, worker with a warm
 * pool, scripted model), submit → succeeded, split by phase from the job's own events, each beside
 * its floor measured in the same run (bench/e2e-floor.ts), and the peer (bench/peer.ts: the Codex
 * CLI in a fresh container per run, as CI runs it) on the same task and trajectory.
 * - trivial: the demo repository, one apply_patch, then done (checks detected: test and lint);
 * - large: the same plus 10,000 vendored files.
 * `--model-latency-ms=N` answers every model turn N ms late (Patchbay, floor and peer alike), as a
 * real model's thinking time would: with 0 the agent phase is shorter than any real one.
 * Writes bench/results/e2e-<timestamp>.json with the machine's load average.
 */
import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, hostname, loadavg, tmpdir } from "node:os";
import path from "node:path";
import type { ModelScript } from "@patchbay/testkit";
import Dockerode from "dockerode";
import { ensureCodex } from "../apps/worker/src/engines/codex/install.js";
import { DockerSandboxProvider } from "../packages/sandbox/src/docker-provider.js";
import { type Stack, startStack } from "../tests/e2e/stack.js";
import { type FloorPlan, type FloorSample, floorSample } from "./e2e-floor.js";
import { type JobSample, runJob } from "./e2e-jobs.js";
import { type PeerSample, peerRun, SocketRelay } from "./peer.js";
import { type Summary, summarize } from "./stats.js";

const FLAG = "--model-latency-ms=";
const ARGS = process.argv.slice(2).filter((a) => !a.startsWith(FLAG));
const N = Number(ARGS[0] ?? 5);
/** Samples of the 10,000-file job (default: as many as the trivial one; 0 skips it). */
const N_LARGE = Number(ARGS[1] ?? N);
/** Every model turn waits this long before its first byte (0: answered at once). */
const MODEL_LATENCY_MS = Number(process.argv.find((a) => a.startsWith(FLAG))?.slice(FLAG.length) ?? 0);
const ROOT = path.resolve(import.meta.dirname, "..");
const LARGE_FILES = 10_000;
/** After each step (the worker's or the floor's pool full again) the machine settles this long. */
const SETTLE_MS = 1500;
const TASK = "The cart tests fail. Fix total() in src/cart.js.";
const OLD = "  const shipping = sub > FREE_SHIPPING_FROM ? 0 : SHIPPING;";
const NEW = "  const shipping = discounted >= FREE_SHIPPING_FROM ? 0 : SHIPPING;";
const HUNK = `@@ export function total(items, discountPercent = 0) {\n   const sub = subtotal(items);\n   const discounted = sub - Math.round((sub * discountPercent) / 100);\n-${OLD}\n+${NEW}\n   return discounted + shipping;\n`;
const DONE = "Fixed total() in src/cart.js.";

const RAW_SCRIPTS: Record<string, ModelScript> = {
  "e2e-fix": {
    turns: [
      { output: [{ type: "apply_patch_call", operation: { type: "update_file", path: "src/cart.js", diff: HUNK } }] },
      { output: [{ type: "message", content: DONE }] },
    ],
  },
  // The same trajectory as the Codex CLI plays it: apply_patch through its exec_command tool.
  "e2e-fix-codex": {
    turns: [
      {
        output: [
          {
            type: "function_call",
            name: "exec_command",
            arguments: {
              cmd: `apply_patch <<'EOF'\n*** Begin Patch\n*** Update File: src/cart.js\n${HUNK}*** End Patch\nEOF\n`,
            },
          },
        ],
      },
      { output: [{ type: "message", content: DONE }] },
    ],
  },
};
/** The scripts with every turn's latency (a fault that fires on every request, not only the first). */
const SCRIPTS: Record<string, ModelScript> = Object.fromEntries(
  Object.entries(RAW_SCRIPTS).map(([name, script]) => [
    name,
    MODEL_LATENCY_MS > 0
      ? {
          turns: script.turns.map((turn) => ({
            ...turn,
            fault: { type: "slow_first_byte" as const, delayMs: MODEL_LATENCY_MS, times: Number.MAX_SAFE_INTEGER },
          })),
        }
      : script,
  ]),
);

/** The floor's stand-in for apply_patch: the same edit in one command. */
const EDIT = `sed -i 's/const shipping = sub > FREE_SHIPPING_FROM/const shipping = discounted >= FREE_SHIPPING_FROM/' src/cart.js`;

interface Repo {
  dir: string;
  files: number;
}

/** The demo repository, plus `extra` vendored files, committed in a temp dir. */
function makeRepo(extra: number): Repo {
  const dir = mkdtempSync(path.join(tmpdir(), "patchbay-bench-e2e-repo-"));
  cpSync(path.join(ROOT, "examples/demo-repo"), dir, { recursive: true });
  for (let d = 0; d < extra / 100; d++) {
    const sub = path.join(dir, "vendor", `pkg${d}`);
    mkdirSync(sub, { recursive: true });
    for (let f = 0; f < 100; f++) {
      writeFileSync(path.join(sub, `mod${f}.js`), `export const v${f} = ${JSON.stringify("x".repeat(400))};\n`);
    }
  }
  const git = (...args: string[]) => execFileSync("git", args, { cwd: dir, encoding: "utf8" }).trim();
  git("init", "-q", "-b", "main");
  git("add", "-A");
  git("-c", "user.name=t", "-c", "user.email=t@localhost", "commit", "-qm", "fixture");
  return { dir, files: Number(git("ls-files").split("\n").length) };
}

interface Case {
  jobs: JobSample[];
  /** The same job on the same commit, reusing the baseline an earlier one kept (checks.baseline "reuse"). */
  sameCommit: JobSample[];
  floors: FloorSample[];
  peers: PeerSample[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The job's model requests (the last `n` to the scripted model for `model`). */
function lastRequests(stack: Stack, model: string, n: number): unknown[] {
  return stack.model.requests
    .filter((r) => (r.body as { model?: string } | undefined)?.model === model)
    .slice(-n)
    .map((r) => r.body);
}

async function measureCase(
  stack: Stack,
  pool: DockerSandboxProvider,
  repo: Repo,
  label: string,
  peer: boolean,
  n: number,
): Promise<Case> {
  const out: Case = { jobs: [], sameCommit: [], floors: [], peers: [] };
  // Each sample is the first job on its commit (it runs its baseline); `sameCommit` reuses one.
  const reuse = { repo: { url: `file://${repo.dir}` }, task: TASK, model: "script:e2e-fix" };
  const spec = { ...reuse, checks: { baseline: "run" } };
  const relay = new SocketRelay(Number(new URL(stack.model.url).port));
  await relay.listen();
  const peerSetup = {
    image: stack.config.PATCHBAY_SANDBOX_IMAGE,
    // The same install a Codex-engine job uses (fetched once with the host's npm on a fresh machine).
    codexDir: (
      await ensureCodex(
        stack.config.PATCHBAY_CODEX_DIR ?? `${stack.config.PATCHBAY_STATE_DIR}/codex`,
        stack.config.PATCHBAY_CODEX_VERSION,
      )
    ).dir,
    bridgePath: stack.config.PATCHBAY_EGRESS_BRIDGE,
    modelUrl: stack.model.url,
    model: "script:e2e-fix-codex",
  };
  try {
    // Warm-up (not counted): the first job of a stack pays for its connections and caches.
    const first = await runJob(stack, spec);
    await workerSettled(stack);
    const plan: FloorPlan = {
      repoDir: repo.dir,
      checks: first.checkCommands,
      edit: EDIT,
      modelRequests: lastRequests(stack, "script:e2e-fix", 2),
      modelUrl: stack.model.url,
    };
    if (peer) await peerRun(peerSetup, relay, repo.dir, TASK, first.checkCommands);
    for (let i = 0; i < n; i++) {
      console.log(`${label} ${i + 1}/${n}`);
      // Alternate which side goes first, so drift in the machine's load falls on both.
      const job = async () => {
        out.jobs.push(await runJob(stack, spec));
        await workerSettled(stack);
        out.sameCommit.push(await runJob(stack, reuse));
        await workerSettled(stack);
      };
      const floor = async () => {
        await pool.warmUp()?.filled();
        out.floors.push(await floorSample(pool, plan, `bench-e2e-${process.pid}-${label}-${i}`));
        // The floor's pool refills after its acquires (cold container starts, each warming its
        // shells after it started): done and settled before the next step, so it lands on neither side.
        await pool.warmUp()?.filled();
        await sleep(SETTLE_MS);
      };
      const peerOnce = async () => {
        if (!peer) return;
        out.peers.push(await peerRun(peerSetup, relay, repo.dir, TASK, first.checkCommands));
        await sleep(SETTLE_MS);
      };
      const order = i % 2 === 0 ? [job, floor, peerOnce] : [peerOnce, floor, job];
      for (const step of order) await step();
    }
  } finally {
    await relay.close();
  }
  return out;
}

/**
 * Waits until the worker's sandboxes of finished jobs are removed and its warm pool is full again
 * (both happen after a job's status), then settles: as the floor's pool refills before its next
 * step and the peer's container removal is not counted, what the worker does after a job's status
 * lands on neither side of the next step.
 */
async function workerSettled(stack: Stack): Promise<void> {
  const filter = ["--filter", `label=patchbay.worker=${stack.worker.workerId}`, "--format", "{{.Names}}"];
  const size = stack.config.PATCHBAY_SANDBOX_POOL_SIZE;
  for (const end = Date.now() + 60_000; Date.now() < end; await sleep(100)) {
    const names = execFileSync("docker", ["ps", "-a", ...filter], { encoding: "utf8" })
      .split("\n")
      .filter(Boolean);
    const idle = names.filter((n) => n.startsWith("patchbay-pool-")).length;
    if (idle >= size && idle === names.length) break;
  }
  await sleep(SETTLE_MS);
}

const round = (x: number) => Math.round(x * 100) / 100;
const ratio = (a: number, b: number) => Math.round((a / b) * 100) / 100;
const p50 = (xs: number[]) => summarize(xs).p50;
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

/** The job's p50s by phase, the floor's by step, and what lies beyond the floor. */
function caseReport(c: Case) {
  const phaseNames = [...new Set(c.jobs.flatMap((j) => Object.keys(j.phases)))];
  const phases: Record<string, Summary> = {};
  for (const p of phaseNames) phases[p] = summarize(c.jobs.map((j) => j.phases[p] ?? 0));
  const floor = {
    clone: summarize(c.floors.map((f) => f.clone)),
    acquire: summarize(c.floors.map((f) => f.acquire)),
    copy: summarize(c.floors.map((f) => f.copy)),
    commands: summarize(c.floors.map((f) => sum(f.commands))),
    model_calls: summarize(c.floors.map((f) => sum(f.modelCalls))),
    total: summarize(c.floors.map((f) => f.total)),
    side_by_side: summarize(c.floors.map((f) => f.sideBySide)),
  };
  const job = summarize(c.jobs.map((j) => j.toSucceededMs));
  const provision = summarize(c.jobs.map((j) => j.phases.provision ?? 0));
  const envSteps = c.jobs.map((j) => j.environmentSteps).filter((s): s is Record<string, number> => s !== null);
  const stepNames = [...new Set(envSteps.flatMap((s) => Object.keys(s)))];
  return {
    submit_to_succeeded: job,
    client_saw_succeeded: summarize(c.jobs.map((j) => j.totalMs)),
    queue_pickup: summarize(c.jobs.map((j) => j.queueMs)),
    phases,
    setup_steps_ms_since_setup: Object.fromEntries(stepNames.map((s) => [s, p50(envSteps.map((e) => e[s] ?? 0))])),
    inside: {
      check_commands: summarize(c.jobs.map((j) => j.inside.checksMs)),
      tools: summarize(c.jobs.map((j) => j.inside.toolsMs)),
    },
    floor,
    overhead_beyond_floor_p50: round(job.p50 - floor.total.p50),
    overhead_median_of_pairs: p50(c.jobs.map((j, i) => j.toSucceededMs - (c.floors[i]?.total ?? Number.NaN))),
    // The job runs its baseline beside the agent and, with a fast agent, its after-checks beside the
    // baseline: the floor done the same way is the one its overhead is judged against.
    overhead_beyond_side_by_side_floor_p50: round(job.p50 - floor.side_by_side.p50),
    provision_phase_vs_clone_floor: ratio(provision.p50, floor.clone.p50),
    provision_and_setup_vs_floor_clone_acquire_copy: ratio(
      provision.p50 + (phases.setup?.p50 ?? 0),
      floor.clone.p50 + floor.acquire.p50 + floor.copy.p50,
    ),
    peer: c.peers.length === 0 ? null : peerReport(c.peers),
    same_commit_job: {
      submit_to_succeeded: summarize(c.sameCommit.map((j) => j.toSucceededMs)),
      phases: Object.fromEntries(phaseNames.map((p) => [p, summarize(c.sameCommit.map((j) => j.phases[p] ?? 0))])),
    },
  };
}

function peerReport(peers: PeerSample[]) {
  const s = (k: keyof PeerSample) => summarize(peers.map((p) => p[k]));
  return {
    to_checked_result: s("totalMs"),
    start: s("start"),
    copy: s("copy"),
    codex_exec: s("codex"),
    checks: s("checks"),
    remove_after: s("remove"),
  };
}

function codeVersion(): { commit: string; uncommittedChanges: boolean } {
  const git = (...args: string[]) => execFileSync("git", args, { cwd: ROOT, encoding: "utf8" }).trim();
  return {
    commit: git("rev-parse", "--short", "HEAD"),
    uncommittedChanges: git("status", "--porcelain", "--", "apps", "packages").length > 0,
  };
}

function writeResults(
  file: string,
  cases: Partial<Record<"trivial" | "large", Case>>,
  repos: Record<"trivial" | "large", Repo>,
  loadBefore: number[],
): void {
  const t = cases.trivial ? caseReport(cases.trivial) : null;
  const l = cases.large ? caseReport(cases.large) : null;
  const headline = {
    trivial_overhead_beyond_floor_p50_ms: t?.overhead_beyond_floor_p50 ?? null,
    trivial_overhead_beyond_side_by_side_floor_p50_ms: t?.overhead_beyond_side_by_side_floor_p50 ?? null,
    large_provisioning_vs_floor: l?.provision_and_setup_vs_floor_clone_acquire_copy ?? null,
    patchbay_vs_peer_to_checked_result: t?.peer ? ratio(t.submit_to_succeeded.p50, t.peer.to_checked_result.p50) : null,
    same_commit_job_vs_peer: t?.peer
      ? ratio(t.same_commit_job.submit_to_succeeded.p50, t.peer.to_checked_result.p50)
      : null,
  };
  const met = (x: number | null, limit: number) => (x === null ? null : x <= limit);
  const targets = {
    trivial_overhead_le_150ms: met(headline.trivial_overhead_beyond_side_by_side_floor_p50_ms, 150),
    large_provisioning_le_1_2x_floor: met(headline.large_provisioning_vs_floor, 1.2),
    patchbay_le_1x_peer: met(headline.patchbay_vs_peer_to_checked_result, 1),
  };
  const out = {
    benchmark: "e2e",
    at: new Date().toISOString(),
    host: hostname(),
    cpus: availableParallelism(),
    load_average: { before: loadBefore, after: loadavg() },
    code: codeVersion(),
    samples: { trivial: cases.trivial?.jobs.length ?? 0, large: cases.large?.jobs.length ?? 0 },
    model_latency_ms: MODEL_LATENCY_MS,
    repos: { trivial: { files: repos.trivial.files }, large: { files: repos.large.files } },
    note:
      "Times in ms. A job's phases come from its own status events; the floor is the same steps done the plainest way " +
      "in the same run (git clone, warm acquire, git archive | docker exec tar -x, each command through docker exec, each " +
      "model request replayed to the scripted model), one after the other (floor.total) and side by side as the job runs " +
      "them (floor.side_by_side: baseline checks in a second container beside the model calls, edit and after-checks; " +
      "the overhead target is judged against it). The peer: Codex CLI in a fresh container per run (docker run, " +
      "git archive | tar -x, codex exec over a unix-socket relay, the same after-checks); its container removal is not counted. Nor is what any side does after its result: before each next step the worker's finished sandboxes are removed and its pool and the floor's are full again, then the machine settles 1.5 s.",
    headline,
    targets,
    trivial: t,
    large: l,
    raw: cases,
  };
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(out, null, 2)}\n`);
  console.log(JSON.stringify({ headline, targets, trivial: t, large: l }, null, 2));
}

async function main(): Promise<void> {
  const loadBefore = loadavg();
  const stack = await startStack(SCRIPTS, { LOG_LEVEL: "warn" });
  const pool = new DockerSandboxProvider({
    docker: new Dockerode(),
    image: stack.config.PATCHBAY_SANDBOX_IMAGE,
    defaults: { memoryMb: 1024, pidsLimit: 512, workspaceMb: 512, tmpMb: 256, homeMb: 256 },
    // One container for the floor's steps one after the other, two for them side by side.
    pool: { size: 3 },
  });
  const repos = { trivial: makeRepo(0), large: makeRepo(LARGE_FILES) };
  const file = path.join(ROOT, `bench/results/e2e-${new Date().toISOString().replace(/[:.]/g, "-")}.json`);
  const cases: Partial<Record<keyof typeof repos, Case>> = {};
  try {
    // The file is written after each case, so a run stopped part-way keeps what it measured.
    cases.trivial = await measureCase(stack, pool, repos.trivial, "trivial", true, N);
    writeResults(file, cases, repos, loadBefore);
    if (N_LARGE > 0) {
      cases.large = await measureCase(stack, pool, repos.large, "large", false, N_LARGE);
      writeResults(file, cases, repos, loadBefore);
    }
    console.log(`wrote ${file}`);
  } finally {
    await pool.close();
    rmSync(repos.trivial.dir, { recursive: true, force: true });
    rmSync(repos.large.dir, { recursive: true, force: true });
    await stack.close();
  }
}

await main();
// The stack's clients (queue, knowledge pool) may keep the event loop alive after close().
process.exit(0);
