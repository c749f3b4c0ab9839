/**
 * The floor of `npm run bench -- e2e`: the raw cost of the steps a job cannot avoid, each done
 * the plainest way on the same engine in the same run — git clone on the host, a warm sandbox
 * handed out, `git archive` piped into `tar -x` in the container, each command through a bare
 * `docker exec`, each model call straight to the scripted model server.
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
  /** Each command, in order, through its own bare `docker exec`. */
  commands: number[];
  /** Each model request the job made, replayed straight to the scripted model server. */
  modelCalls: number[];
  total: number;
}

/** What a job ran, to be done again the plainest way. */
export interface FloorPlan {
  /** The job's git repository (a local path; cloned through file://). */
  repoDir: string;
  commands: string[];
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

/** One floor sample of `plan`: clone, warm acquire, copy, commands, model calls. */
export async function floorSample(pool: DockerSandboxProvider, plan: FloorPlan, jobId: string): Promise<FloorSample> {
  const cloneMs = await clone(plan.repoDir);
  let box: Awaited<ReturnType<DockerSandboxProvider["create"]>> | undefined;
  const acquire = await timed(async () => {
    box = await pool.create({ jobId });
  });
  if (!box) throw new Error("no sandbox");
  try {
    const copy = await timed(() => archiveInto(plan.repoDir, box!.id));
    const commands: number[] = [];
    for (const c of plan.commands) commands.push(await dockerExec(box.id, c));
    const modelCalls: number[] = [];
    for (const body of plan.modelRequests) modelCalls.push(await modelCall(plan.modelUrl, body));
    const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
    return {
      clone: cloneMs,
      acquire,
      copy,
      commands,
      modelCalls,
      total: cloneMs + acquire + copy + sum(commands) + sum(modelCalls),
    };
  } finally {
    await box.destroy();
  }
}
