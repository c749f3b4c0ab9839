/**
 * `npm run bench -- sandbox`: sandbox hand-out and command overhead beside raw baselines, all
 * measured in the same run on the same engine. Writes bench/results/sandbox-<timestamp>.json.
 */
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { hostname, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough, type Readable } from "node:stream";
import { promisify } from "node:util";
import { loadConfig } from "@patchbay/config";
import Dockerode from "dockerode";
import { buildContainerConfig, resolveOptions } from "../packages/sandbox/src/container-config.js";
import { DockerSandboxProvider } from "../packages/sandbox/src/docker-provider.js";
import type { DockerSandbox } from "../packages/sandbox/src/docker-sandbox.js";
import { readWorkspaceFile, writeWorkspaceFile } from "../packages/sandbox/src/file-ops.js";
import type { Sandbox } from "../packages/sandbox/src/sandbox.js";
import { tarDirectory } from "../packages/sandbox/src/tar-io.js";
import { runnerOptions } from "../packages/sandbox/src/test-support.js";
import { type Summary, summarize } from "./stats.js";

const IMAGE = loadConfig().PATCHBAY_SANDBOX_IMAGE;
const N = Number(process.argv[2] ?? 30);
const docker = new Dockerode();
const run = promisify(execFile);
/** The pause before each command of socket_true_after_pause (a model's turn is seconds; 20 ms outlasts a fork). */
const PAUSE_MS = 20;
const LIMITS = { memoryMb: 1024, pidsLimit: 512, workspaceMb: 512, tmpMb: 256, homeMb: 256 };

/** A 1,000-file repository (about 5 MB) on the host. */
function makeRepo(): string {
  const dir = mkdtempSync(join(tmpdir(), "patchbay-bench-"));
  for (let d = 0; d < 20; d++) {
    mkdirSync(join(dir, `pkg${d}`));
    for (let f = 0; f < 50; f++) {
      writeFileSync(join(dir, `pkg${d}`, `file${f}.ts`), `export const v${f} = "${"x".repeat(5000)}";\n`);
    }
  }
  return dir;
}

async function measure(n: number, once: () => Promise<number>): Promise<number[]> {
  await once(); // warm-up, not counted
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(await once());
  return out;
}

const bareConfig = (name: string) =>
  buildContainerConfig(resolveOptions(IMAGE, LIMITS, { jobId: "bench" }), name, new Date());
let seq = 0;
const benchName = () => `patchbay-bench-${process.pid}-${seq++}`;

/** Engine create + start with no Patchbay code in between (removal not timed). */
async function bareCreateStart(): Promise<number> {
  const t = performance.now();
  const c = await docker.createContainer(bareConfig(benchName()));
  await c.start();
  const ms = performance.now() - t;
  await c.remove({ force: true });
  return ms;
}

/** Feeds a tar to `tar -x` on a plain engine exec's stdin and waits for it to finish. */
async function bareTarCopy(c: Dockerode.Container, tar: Readable): Promise<void> {
  const exec = await c.exec({
    Cmd: ["tar", "-x", "-f", "-", "-C", "/workspace"],
    AttachStdin: true,
    AttachStdout: true,
    AttachStderr: true,
    User: "1000:1000",
  });
  const stream = await exec.start({ hijack: true, stdin: true });
  const sink = new PassThrough();
  stream.pipe(sink).resume();
  tar.pipe(stream);
  await new Promise((resolve) => stream.on("end", resolve).on("close", resolve));
}

async function bareCopy(repo: string): Promise<number> {
  const c = await docker.createContainer(bareConfig(benchName()));
  await c.start();
  const t = performance.now();
  await bareTarCopy(c, tarDirectory(repo));
  const ms = performance.now() - t;
  await c.remove({ force: true });
  return ms;
}

async function bareExecTrue(c: Dockerode.Container): Promise<number> {
  const t = performance.now();
  const exec = await c.exec({ Cmd: ["true"], AttachStdout: true, AttachStderr: true, User: "1000:1000" });
  const stream = await exec.start({ hijack: true, stdin: false });
  stream.resume();
  await new Promise((resolve) => stream.on("end", resolve).on("close", resolve));
  await exec.inspect();
  return performance.now() - t;
}

/**
 * What one forked bash subshell costs inside the sandbox (ms, the mean of 200 in a loop): each
 * command of the persistent shell runs in one, so no command can cost less on this host.
 */
async function subshellMs(box: Sandbox): Promise<number> {
  // $EPOCHREALTIME is "seconds.microseconds"; 10# keeps a leading zero from reading as octal.
  const loop = [
    'IFS=. read -r a b <<< "$EPOCHREALTIME"',
    "for ((i = 0; i < 200; i++)); do ( true ); done",
    'IFS=. read -r c d <<< "$EPOCHREALTIME"',
    "echo $(( ((c - a) * 1000000 + 10#$d - 10#$b) / 200 ))",
  ].join("; ");
  const result = await box.exec(`bash -c '${loop}'`);
  const us = Number(result.stdout.trim());
  if (result.exitCode !== 0 || !Number.isFinite(us)) throw new Error(`the subshell loop failed: ${result.stderr}`);
  return us / 1000;
}

/**
 * `true` after a pause, and two floors measured in turns with it so that the machine's load falls
 * on all alike: a bare `( true )` subshell in the same sandbox (fork, run, exit, wait), and the
 * cheapest round trip into the sandbox after the same pause (a small file read through the file
 * server: no process). After an idle pause this VM is slower at everything, the worker's own
 * code included; the round trip carries that wake-up cost, the hot subshell loop does not.
 */
async function afterPauseBesideFloors(box: Sandbox): Promise<Record<string, Summary>> {
  const after: number[] = [];
  const subshell: number[] = [];
  const roundTrip: number[] = [];
  const pause = () => new Promise((resolve) => setTimeout(resolve, PAUSE_MS));
  await box.writeFile("pause-probe.json", SMALL_FILE);
  await box.exec("true"); // warm-up, not counted
  await box.readFile("pause-probe.json");
  for (let i = 0; i < Math.max(N, 100); i++) {
    await pause();
    after.push(await timeIt(() => box.exec("true")));
    await pause();
    roundTrip.push(await timeIt(() => box.readFile("pause-probe.json")));
    if (i % 3 === 0) subshell.push(await subshellMs(box));
  }
  // Commands one right after another (Patchbay's own scripts come so; a model's rarely do).
  const backToBack = await measure(Math.max(N, 200), () => timeIt(() => box.exec("true")));
  return {
    socket_true_after_pause: summarize(after),
    bash_subshell_in_sandbox: summarize(subshell),
    file_server_read_after_pause: summarize(roundTrip),
    socket_true_back_to_back: summarize(backToBack),
  };
}

/** `docker exec CONTAINER true` through the CLI, as a person or a CI script would run it. */
async function cliExecTrue(id: string): Promise<number> {
  const t = performance.now();
  await run("docker", ["exec", "-u", "1000:1000", id, "true"]);
  return performance.now() - t;
}

/** Runs each named measurement once per round, in turn, so machine load falls on all of them alike. */
async function interleaved(n: number, fns: Record<string, () => Promise<number>>): Promise<Record<string, number[]>> {
  const out: Record<string, number[]> = {};
  for (const [k, fn] of Object.entries(fns)) {
    await fn(); // warm-up, not counted
    out[k] = [];
  }
  for (let i = 0; i < n; i++) for (const [k, fn] of Object.entries(fns)) out[k]?.push(await fn());
  return out;
}

const loads: number[][] = [];

async function main(): Promise<void> {
  loads.push(loadavg());
  const repo = makeRepo();
  const cold = new DockerSandboxProvider({ docker, image: IMAGE, defaults: LIMITS, pool: { size: 0 } });
  // The worker's default (runner on, commands over its socket), without a pool.
  const coldRunner = new DockerSandboxProvider({
    docker,
    image: IMAGE,
    defaults: LIMITS,
    pool: { size: 0 },
    runner: runnerOptions(),
  });
  const warm = new DockerSandboxProvider({ docker, image: IMAGE, defaults: LIMITS, pool: { size: 2 } });
  const results: Record<string, Summary> = {};
  try {
    const cli = await measure(N, async () => {
      const t = performance.now();
      await run("docker", ["run", "--rm", "--network", "none", "--label", "patchbay.bench=1", IMAGE, "true"]);
      return performance.now() - t;
    });
    results.bare_docker_run_true = summarize(cli);
    results.bare_create_start = summarize(await measure(N, bareCreateStart));
    results.bare_tar_copy_1000_files = summarize(await measure(N, () => bareCopy(repo)));
    const coldCopy = (provider: DockerSandboxProvider) =>
      measure(N, async () => {
        const t = performance.now();
        const s = await provider.create({ jobId: `bench-cold-${seq++}` });
        await s.putTar(tarDirectory(repo));
        const ms = performance.now() - t;
        await s.destroy();
        return ms;
      });
    results.cold_create_start_copy = summarize(await coldCopy(cold));
    // The worker's configuration since the runner is on by default: the copy goes over its socket.
    results.cold_create_start_copy_runner = summarize(await coldCopy(coldRunner));
    const pool = warm.warmUp();
    results.warm_acquire = summarize(
      await measure(N, async () => {
        await pool?.filled();
        const t = performance.now();
        const s = await warm.create({ jobId: `bench-warm-${seq++}` });
        const ms = performance.now() - t;
        if (!s.pooled) throw new Error("the pool handed out no warm container");
        await s.destroy();
        return ms;
      }),
    );
    await pool?.filled();
    results.warm_acquire_first_command = summarize(
      await measure(N, async () => {
        await pool?.filled();
        const t = performance.now();
        const s = await warm.create({ jobId: `bench-warm-${seq++}` });
        await s.exec("true");
        const ms = performance.now() - t;
        await s.destroy();
        return ms;
      }),
    );
    const box = await cold.create({ jobId: `bench-cmd-${seq++}` });
    const raw = docker.getContainer(box.id);
    const socketBox = await coldRunner.create({ jobId: `bench-cmd-${seq++}` });
    const overhead = await interleaved(Math.max(N, 200), {
      socket_true: () => timeIt(() => socketBox.exec("true")),
      shell_true: () => timeIt(() => box.exec("true")),
    });
    if (socketBox.commandTransport !== "socket") throw new Error("the runner did not start: no socket figures");
    results.socket_true = summarize(overhead.socket_true ?? []);
    results.shell_true = summarize(overhead.shell_true ?? []);
    // As an agent's commands come: after a pause (the model's turn), not back to back. The shell
    // forks the next command's subshell in such a pause, so only a back-to-back command waits for it.
    Object.assign(results, await afterPauseBesideFloors(socketBox));
    Object.assign(results, await fileOps(box, socketBox, raw));
    results.engine_exec_true = summarize(await measure(N, () => bareExecTrue(raw)));
    results.docker_exec_cli_true = summarize(await measure(N, () => cliExecTrue(box.id)));
    const exec = new DockerSandboxProvider({
      docker,
      image: IMAGE,
      defaults: LIMITS,
      pool: { size: 0 },
      shell: "exec",
    });
    const execBox = await exec.create({ jobId: `bench-cmd-${seq++}` });
    results.fresh_exec_per_command_true = summarize(await measure(N, () => timeIt(() => execBox.exec("true"))));
    results.shell_print_1mib = summarize(
      await measure(N, () => timeIt(() => box.exec("head -c 1048576 /dev/zero | tr '\\0' x", { onOutput: () => {} }))),
    );
    results.socket_print_1mib = summarize(
      await measure(N, () =>
        timeIt(() => socketBox.exec("head -c 1048576 /dev/zero | tr '\\0' x", { onOutput: () => {} })),
      ),
    );
    await box.destroy();
    await socketBox.destroy();
    await execBox.destroy();
  } finally {
    await warm.close();
    await coldRunner.close();
    rmSync(repo, { recursive: true, force: true });
  }
  report(results);
}

/** A small file (a package.json, one apply_patch target) read and written three ways, interleaved. */
const SMALL_FILE = Buffer.from(`{ "name": "demo", "scripts": { "test": "vitest" }, "pad": "${"x".repeat(1800)}" }\n`);

/**
 * readFile/writeFile through the attach box's shell scripts, the socket box's file server (its
 * scripts answer only until it runs) and the engine-exec path (`runRaw`) both replace.
 */
async function fileOps(
  box: DockerSandbox,
  socketBox: DockerSandbox,
  raw: Dockerode.Container,
): Promise<Record<string, Summary>> {
  await Promise.all([box.writeFile("small.json", SMALL_FILE), socketBox.writeFile("small.json", SMALL_FILE)]);
  const times = await interleaved(Math.max(N, 100), {
    shell_read_small: () => timeIt(() => box.readFile("small.json")),
    socket_read_small: () => timeIt(() => socketBox.readFile("small.json")),
    engine_exec_read_small: () => timeIt(() => readWorkspaceFile(raw, box.root, "small.json")),
    shell_write_small: () => timeIt(() => box.writeFile("w.json", SMALL_FILE)),
    socket_write_small: () => timeIt(() => socketBox.writeFile("w.json", SMALL_FILE)),
    engine_exec_write_small: () => timeIt(() => writeWorkspaceFile(raw, box.root, "w.json", SMALL_FILE)),
  });
  return Object.fromEntries(Object.entries(times).map(([k, v]) => [k, summarize(v)]));
}

async function timeIt(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

function report(r: Record<string, Summary>): void {
  const p50 = (k: string) => r[k]?.p50 ?? Number.NaN;
  const ratio = (a: number, b: number) => Math.round((a / b) * 100) / 100;
  const ratios = {
    cold_vs_bare_create_start_plus_copy: ratio(
      p50("cold_create_start_copy"),
      p50("bare_create_start") + p50("bare_tar_copy_1000_files"),
    ),
    cold_vs_docker_run: ratio(p50("cold_create_start_copy"), p50("bare_docker_run_true")),
    cold_runner_vs_bare_create_start_plus_copy: ratio(
      p50("cold_create_start_copy_runner"),
      p50("bare_create_start") + p50("bare_tar_copy_1000_files"),
    ),
    warm_acquire_vs_bare_create_start: ratio(p50("warm_acquire"), p50("bare_create_start")),
    engine_exec_vs_shell_true: ratio(p50("engine_exec_true"), p50("shell_true")),
    socket_vs_attach_shell_true: ratio(p50("socket_true"), p50("shell_true")),
    socket_true_vs_bash_subshell: ratio(p50("socket_true"), p50("bash_subshell_in_sandbox")),
    socket_true_after_pause_vs_bash_subshell: ratio(p50("socket_true_after_pause"), p50("bash_subshell_in_sandbox")),
    engine_exec_vs_socket_true: ratio(p50("engine_exec_true"), p50("socket_true")),
    docker_exec_cli_vs_socket_true: ratio(p50("docker_exec_cli_true"), p50("socket_true")),
    engine_exec_vs_shell_read_small: ratio(p50("engine_exec_read_small"), p50("shell_read_small")),
    engine_exec_vs_shell_write_small: ratio(p50("engine_exec_write_small"), p50("shell_write_small")),
    shell_script_vs_file_server_read_small: ratio(p50("shell_read_small"), p50("socket_read_small")),
    shell_script_vs_file_server_write_small: ratio(p50("shell_write_small"), p50("socket_write_small")),
  };
  const ms = (x: number) => Math.round(x * 100) / 100;
  // What a command costs beyond running it in a process of its own (the subshell floor), and
  // beyond that process plus the cheapest round trip into the sandbox after the same pause.
  const beyondFloorMs = {
    socket_true_after_pause: ms(p50("socket_true_after_pause") - p50("bash_subshell_in_sandbox")),
    socket_true_after_pause_beyond_round_trip_and_subshell: ms(
      p50("socket_true_after_pause") - p50("file_server_read_after_pause") - p50("bash_subshell_in_sandbox"),
    ),
  };
  const targets = {
    warm_acquire_p50_le_20ms: p50("warm_acquire") <= 20,
    shell_true_p50_le_2ms: p50("shell_true") <= 2,
    socket_true_p50_lt_1ms: p50("socket_true") < 1,
    socket_true_after_pause_p50_lt_1ms: p50("socket_true_after_pause") < 1,
    socket_true_after_pause_beyond_subshell_lt_1ms: beyondFloorMs.socket_true_after_pause < 1,
    socket_true_after_pause_beyond_round_trip_and_subshell_lt_1ms:
      beyondFloorMs.socket_true_after_pause_beyond_round_trip_and_subshell < 1,
    socket_true_back_to_back_p50_lt_1ms: p50("socket_true_back_to_back") < 1,
    cold_le_1_3x_bare: ratios.cold_vs_bare_create_start_plus_copy <= 1.3,
    cold_runner_le_1_3x_bare: ratios.cold_runner_vs_bare_create_start_plus_copy <= 1.3,
  };
  const at = new Date();
  const out = {
    benchmark: "sandbox",
    at: at.toISOString(),
    host: hostname(),
    image: IMAGE,
    samples: N,
    load_average_1_5_15: { start: loads[0], end: loadavg() },
    results: r,
    ratios,
    beyond_floor_ms: beyondFloorMs,
    targets,
  };
  mkdirSync("bench/results", { recursive: true });
  const file = `bench/results/sandbox-${at.toISOString().replace(/[:.]/g, "-")}.json`;
  writeFileSync(file, `${JSON.stringify(out, null, 2)}\n`);
  console.log("| measurement | p50 ms | p90 ms | n |\n|---|---|---|---|");
  for (const [k, s] of Object.entries(r)) console.log(`| ${k} | ${s.p50} | ${s.p90} | ${s.n} |`);
  console.log(JSON.stringify({ ratios, beyond_floor_ms: beyondFloorMs, targets }, null, 2));
  console.log(`wrote ${file}`);
}

await main();
