/**
 * The floor of `npm run bench -- e2e`: the raw cost of the steps a job cannot avoid, each done
 * the plainest way on the same engine in the same run — git clone on the host, a warm sandbox
 * handed out, `git archive` piped into `tar -x` in the container, each command through a bare
 * `docker exec`, each model call straight to the scripted model server. Twice: one step after
 * the other, and side by side as the job runs them (the baseline checks in a second container
 * while the model calls, the edit and the after-checks run in the first).
 */
import { execFile, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import type { DockerSandboxProvider } from "@patchbay/sandbox";

const run = promisify(execFile);

/** One floor sample (ms). */
export interface FloorSample {
  clone: number;
  acquire: number;
  copy: number;
  /** Each command, in order (checks, edit, checks), through its own bare `docker exec`. */
  commands: number[];
  /** Each model request the job made, replayed straight to the scripted model server. */
  modelCalls: number[];
  total: number;
  /**
   * The same steps side by side, in two warm containers: clone, two acquires, both copies at
   * once, then the baseline checks in one beside the model calls, edit and after-checks in the other.
   */
  sideBySide: number;
}

/** What a job ran, to be done again the plainest way. */
export interface FloorPlan {
  /** The job's git repository (a local path; cloned through file://). */
  repoDir: string;
  /** The check commands, run before and after the edit. */
  checks: string[];
  /** The agent's change as one command. */
  edit: string;
  /** Bodies of the job's POST /v1/responses requests. */
  modelRequests: unknown[];
  modelUrl: string;
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

/** `git clone` of the repository on the host (removal not timed). */
async function clone(repoDir: string): Promise<number> {
  const parent = mkdtempSync(path.join(tmpdir(), "patchbay-bench-e2e-clone-"));
  try {
    return await timed(() => run("git", ["clone", "--quiet", "--", `file://${repoDir}`, path.join(parent, "repo")]));
  } finally {
    rmSync(parent, { recursive: true, force: true });
  }
}

/** `git archive HEAD | docker exec -i <container> tar -x -C <dir>`. */
export function archiveInto(repoDir: string, container: string, dir = "/workspace"): Promise<void> {
  return new Promise((resolve, reject) => {
    const archive = spawn("git", ["-C", repoDir, "archive", "--format=tar", "HEAD"], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    const untar = spawn("docker", ["exec", "-i", container, "tar", "-x", "-f", "-", "-C", dir], {
      stdio: ["pipe", "ignore", "inherit"],
    });
    archive.stdout.pipe(untar.stdin);
    archive.on("error", reject);
    untar.on("error", reject);
    untar.on("close", (code) => (code === 0 ? resolve() : reject(new Error(`tar -x exited ${code}`))));
  });
}

/** One command through a bare `docker exec` (sh -c, in the workspace); any exit code. */
export async function dockerExec(container: string, command: string): Promise<number> {
  return timed(
    () =>
      new Promise<void>((resolve, reject) => {
        const child = spawn("docker", ["exec", "-w", "/workspace", container, "sh", "-c", command], {
          stdio: ["ignore", "ignore", "ignore"],
        });
        child.on("error", reject);
        child.on("close", () => resolve());
      }),
  );
}

/** One request body replayed to the scripted model server, read to its end. */
async function modelCall(url: string, body: unknown): Promise<number> {
  return timed(async () => {
    const res = await fetch(`${url}/responses`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: "Bearer sk-bench" },
      body: JSON.stringify(body),
    });
    await res.arrayBuffer();
    if (!res.ok) throw new Error(`the scripted model answered ${res.status}`);
  });
}

/** One floor sample of `plan`: clone, warm acquire, copy, commands, model calls; then side by side. */
export async function floorSample(pool: DockerSandboxProvider, plan: FloorPlan, jobId: string): Promise<FloorSample> {
  // All three containers come warm, and no refill runs beside the floor's commands.
  const release = pool.holdRefills();
  const cloneMs = await clone(plan.repoDir);
  const box = await timedBox(pool, jobId);
  try {
    const copy = await timed(() => archiveInto(plan.repoDir, box.sandbox.id));
    const commands: number[] = [];
    for (const c of [...plan.checks, plan.edit, ...plan.checks]) commands.push(await dockerExec(box.sandbox.id, c));
    const modelCalls: number[] = [];
    for (const body of plan.modelRequests) modelCalls.push(await modelCall(plan.modelUrl, body));
    const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
    return {
      clone: cloneMs,
      acquire: box.ms,
      copy,
      commands,
      modelCalls,
      total: cloneMs + box.ms + copy + sum(commands) + sum(modelCalls),
      sideBySide: await sideBySide(pool, plan, jobId),
    };
  } finally {
    await box.sandbox.destroy();
    release();
  }
}

type Box = Awaited<ReturnType<DockerSandboxProvider["create"]>>;

async function timedBox(pool: DockerSandboxProvider, jobId: string): Promise<{ sandbox: Box; ms: number }> {
  const t = performance.now();
  const sandbox = await pool.create({ jobId });
  return { sandbox, ms: performance.now() - t };
}

/** The floor's steps as the job overlaps them (FloorSample.sideBySide). */
async function sideBySide(pool: DockerSandboxProvider, plan: FloorPlan, jobId: string): Promise<number> {
  const started = performance.now();
  await clone(plan.repoDir);
  const boxes: Box[] = [];
  try {
    boxes.push((await timedBox(pool, `${jobId}-agent`)).sandbox);
    boxes.push((await timedBox(pool, `${jobId}-baseline`)).sandbox);
    const [agent, baseline] = boxes as [Box, Box];
    await Promise.all(boxes.map((b) => archiveInto(plan.repoDir, b.id)));
    const checks = async (box: Box) => {
      for (const c of plan.checks) await dockerExec(box.id, c);
    };
    const agentSide = async () => {
      const [first, ...rest] = plan.modelRequests;
      if (first !== undefined) await modelCall(plan.modelUrl, first);
      await dockerExec(agent.id, plan.edit);
      for (const body of rest) await modelCall(plan.modelUrl, body);
      await checks(agent);
    };
    await Promise.all([checks(baseline), agentSide()]);
    return performance.now() - started;
  } finally {
    await Promise.all(boxes.map((b) => b.destroy()));
  }
}
