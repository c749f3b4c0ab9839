/**
 * `npm run bench -- provision [samples]`: provisioning a 10,000-file repository into a sandbox,
 * cold (empty git cache) vs warm (cache entry present, nothing new) vs warm with one new commit,
 * beside the floor measured in the same run on the same engine: `git archive` of the commit
 * piped into `tar -x` inside the container. Also today's path without the cache (clone on the
 * host, tar of the checkout). Container creation is not timed (a warm pool hands one out).
 * Writes bench/results/provision-<timestamp>.json.
 */
import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, hostname, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "@patchbay/config";
import { DockerSandboxProvider, type Sandbox, tarDirectory } from "@patchbay/sandbox";
import { cachedCheckout } from "../apps/worker/src/pipeline/cached-checkout.js";
import { cloneRepository } from "../apps/worker/src/pipeline/clone.js";
import { type Summary, summarize } from "./stats.js";

const N = Number(process.argv[2] ?? 7);
const FILES = 10_000;
const HOST_PATH = process.env.PATH ?? "/usr/bin:/bin";
const jobId = `bench-provision-${process.pid}`;
const provider = new DockerSandboxProvider({
  image: loadConfig().PATCHBAY_SANDBOX_IMAGE,
  defaults: { memoryMb: 2048, pidsLimit: 512, workspaceMb: 1024, tmpMb: 128, homeMb: 128 },
  killGraceMs: 500,
});

/** A repository of FILES source-like files (about 2 KB each) in 200 folders, with a short history. */
function makeRepo(root: string): string {
  const dir = join(root, "src");
  const git = (...args: string[]) =>
    execFileSync("git", ["-c", "gc.auto=0", "-c", "user.name=b", "-c", "user.email=b@localhost", ...args], {
      cwd: dir,
    });
  for (let i = 0; i < FILES; i++) {
    const folder = join(dir, `pkg${i % 200}`, `mod${i % 7}`);
    mkdirSync(folder, { recursive: true });
    const body = Array.from(
      { length: 40 },
      (_, l) => `export const v${l}_${i} = ${(i * 7919 + l * 104729) % 1000003};`,
    );
    writeFileSync(join(folder, `file${i}.ts`), `${body.join("\n")}\n`);
  }
  git("init", "-q", "-b", "main");
  git("add", "-A");
  git("commit", "-qm", "base");
  for (let c = 0; c < 3; c++) newCommit(dir, c);
  git("gc", "-q");
  return dir;
}

function newCommit(dir: string, n: number): void {
  writeFileSync(join(dir, "pkg0", `change${n}.ts`), `export const c = ${n};\n`);
  execFileSync("git", ["add", "-A"], { cwd: dir });
  execFileSync(
    "git",
    ["-c", "gc.auto=0", "-c", "user.name=b", "-c", "user.email=b@localhost", "commit", "-qm", `c${n}`],
    { cwd: dir },
  );
}

/** `git archive HEAD | tar -x` in the container: the floor. */
function archiveInto(repo: string, box: Sandbox): Promise<void> {
  const archive = spawn("git", ["-C", repo, "archive", "--format=tar", "HEAD"], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  return box.streamIn(["tar", "-x", "-f", "-"], archive.stdout);
}

async function timedInFreshBox(fn: (box: Sandbox) => Promise<void>): Promise<number> {
  const box = await provider.create({ jobId });
  try {
    const t = performance.now();
    await fn(box);
    return performance.now() - t;
  } finally {
    await box.destroy();
  }
}

async function main(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), "patchbay-bench-provision-"));
  const work = join(root, "work");
  mkdirSync(work);
  const repo = makeRepo(root);
  const url = `file://${repo}`;
  const git = { timeoutMs: 300_000, hostPath: HOST_PATH };
  const options = (cacheDir: string) => ({
    cache: { dir: cacheDir, maxMb: 10_240 },
    scope: { kind: "shared" as const },
    history: "shallow" as const,
    jobId,
    workDir: work,
    git,
  });
  const viaCache = async (cacheDir: string, box: Sandbox) => {
    const checkout = await cachedCheckout({ url }, options(cacheDir));
    try {
      await checkout.fill(box);
    } finally {
      await checkout.remove();
    }
  };
  const samples: Record<string, number[]> = { floor: [], cold: [], warm: [], warmNewCommit: [], noCache: [] };
  const warmDir = join(root, "warm-cache");
  await timedInFreshBox((box) => viaCache(warmDir, box));
  try {
    for (let i = 0; i < N; i++) {
      // Alternate the order so a drift in machine load does not favour one side.
      const order =
        i % 2 === 0
          ? ["floor", "cold", "warm", "warmNewCommit", "noCache"]
          : ["noCache", "warmNewCommit", "warm", "cold", "floor"];
      for (const kind of order) {
        if (kind === "floor") samples.floor!.push(await timedInFreshBox((box) => archiveInto(repo, box)));
        if (kind === "cold") {
          const dir = join(root, `cold-${i}`);
          samples.cold!.push(await timedInFreshBox((box) => viaCache(dir, box)));
          rmSync(dir, { recursive: true, force: true });
        }
        if (kind === "warm") samples.warm!.push(await timedInFreshBox((box) => viaCache(warmDir, box)));
        if (kind === "warmNewCommit") {
          newCommit(repo, 100 + i);
          samples.warmNewCommit!.push(await timedInFreshBox((box) => viaCache(warmDir, box)));
        }
        if (kind === "noCache")
          samples.noCache!.push(
            await timedInFreshBox(async (box) => {
              const checkout = await cloneRepository({ url }, work, git);
              try {
                await box.putTar(tarDirectory(checkout.dir));
              } finally {
                await checkout.remove();
              }
            }),
          );
      }
    }
  } finally {
    await provider.destroyForJob(jobId);
    rmSync(root, { recursive: true, force: true });
  }
  const results: Record<string, Summary> = Object.fromEntries(
    Object.entries(samples).map(([k, v]) => [k, summarize(v)]),
  );
  const floor = results.floor!.p50;
  const ratio = (k: string) => Math.round((results[k]!.p50 / floor) * 100) / 100;
  const at = new Date();
  const out = {
    benchmark: "provision",
    at: at.toISOString(),
    machine: { host: hostname(), cpus: cpus().length, loadavg: loadavg() },
    repository: { files: FILES, commits: 4 },
    results,
    ratioToFloorP50: {
      cold: ratio("cold"),
      warm: ratio("warm"),
      warmNewCommit: ratio("warmNewCommit"),
      noCache: ratio("noCache"),
    },
    loadavgAfter: loadavg(),
  };
  mkdirSync("bench/results", { recursive: true });
  const file = `bench/results/provision-${at.toISOString().replace(/[:.]/g, "-")}.json`;
  writeFileSync(file, `${JSON.stringify(out, null, 2)}\n`);
  console.log(`| provisioning ${FILES} files | p50 ms | p90 ms | × floor (p50) |`);
  console.log("|---|---|---|---|");
  for (const [k, v] of Object.entries(results))
    console.log(`| ${k} | ${v.p50} | ${v.p90} | ${k === "floor" ? 1 : ratio(k)} |`);
  console.log(
    `load average ${loadavg()
      .map((x) => x.toFixed(2))
      .join(" ")}; written to ${file}`,
  );
}

await main();
