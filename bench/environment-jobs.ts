/**
 * Pieces of `npm run bench -- environment`: jobs submitted in a project of their own and timed
 * from their stored events, and `npm ci` straight on the host for the baselines.
 */
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import type { EventData, JobEvent } from "@patchbay/core";
import { ProjectRepository } from "@patchbay/db";
import { createKey, rawFetch, removeProject, removeProjectEnvironments, type Stack } from "../tests/e2e/stack.js";

const run = promisify(execFile);
const TERMINAL = new Set(["succeeded", "failed", "cancelled", "timed_out", "error"]);

/** Where the time of one job went, from its stored events (ms; absent when the job had no such step). */
export interface JobTimes {
  jobId: string;
  status: string;
  environment: EventData["environment"] | null;
  /** POST /v1/jobs → the `agent` status event. */
  submitToAgentMs: number;
  /** POST → `setup` status (queue pick-up, clone on the host). */
  submitToSetupMs: number;
  /** `setup` status → `baseline` status (or `agent`, when the baseline runs beside the agent): the whole environment phase. */
  setupMs: number;
  /** `baseline` status → `agent` status (baseline checks, workspace snapshot); 0 when the baseline runs beside the agent. */
  baselineToAgentMs: number;
  /** Setup's egress: first connection opened → last one closed (≈ the install's network part). */
  setupNetwork: { connections: number; beforeFirstMs: number; spanMs: number; afterLastMs: number } | null;
  /** The `environment` event → `baseline` status: the agent's sandbox made and the environment restored. */
  environmentToBaselineMs: number | null;
  /** Image build time of the kept environment (the cache row's buildMs). */
  imageBuildMs: number | null;
  /** The phase's own timeline: when each step ended, ms since the phase started (first `environment` event). */
  steps: Record<string, number>;
}

/** A project made for the benchmark, with a key for its jobs. */
export class BenchProject {
  /** The events of the last job run (for diagnostics). */
  lastEvents: JobEvent[] = [];

  private constructor(
    private readonly stack: Stack,
    readonly id: string,
    private readonly key: string,
  ) {}

  /** Makes a project `bench-env-<label>-<random>` with a jobs key. */
  static async create(stack: Stack, label: string): Promise<BenchProject> {
    const id = `bench-env-${label}-${randomBytes(3).toString("hex")}`;
    await new ProjectRepository(stack.db).ensure(id);
    const key = await createKey(stack.db, id, ["jobs:read", "jobs:write"], { rateLimitPerMin: 1_000_000 });
    return new BenchProject(stack, id, key);
  }

  /** Removes the project's rows, environment images and dependency cache. */
  async remove(): Promise<void> {
    await removeProject(this.stack.db, this.id);
    removeProjectEnvironments(this.id);
  }

  private get(pathname: string): Promise<Response> {
    return rawFetch(`${this.stack.api}${pathname}`, { headers: { authorization: `Bearer ${this.key}` } });
  }

  /** Submits `spec`, waits for the end, and times the job from its events. */
  async runJob(spec: Record<string, unknown>, timeoutMs = 900_000): Promise<JobTimes> {
    const submitted = Date.now();
    const res = await rawFetch(`${this.stack.api}/v1/jobs`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${this.key}` },
      body: JSON.stringify(spec),
    });
    const job = (await res.json()) as { id: string; error?: unknown };
    if (res.status !== 202) throw new Error(`submit answered ${res.status}: ${JSON.stringify(job)}`);
    const status = await this.waitTerminal(job.id, timeoutMs);
    const events = await this.events(job.id);
    this.lastEvents = events;
    return { ...(await this.times(job.id, status, submitted, events)) };
  }

  private async waitTerminal(id: string, timeoutMs: number): Promise<string> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const job = (await (await this.get(`/v1/jobs/${id}`)).json()) as { status: string; error: unknown };
      if (TERMINAL.has(job.status)) {
        if (job.status !== "succeeded") throw new Error(`job ${id} ended ${job.status}: ${JSON.stringify(job.error)}`);
        return job.status;
      }
      if (Date.now() > end) throw new Error(`job ${id} still ${job.status} after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  private async events(id: string): Promise<JobEvent[]> {
    const text = await (await this.get(`/v1/jobs/${id}/events`)).text();
    return text
      .split("\n\n")
      .map((block) => block.split("\n").find((l) => l.startsWith("data: ")))
      .filter((l): l is string => l !== undefined)
      .map((l) => JSON.parse(l.slice(6)) as JobEvent);
  }

  private async buildMs(key: string): Promise<number | null> {
    const list = (await (await this.get(`/v1/projects/${this.id}/environments`)).json()) as {
      data: Array<{ key: string; buildMs: number | null }>;
    };
    return list.data.find((e) => e.key === key)?.buildMs ?? null;
  }

  private async times(jobId: string, status: string, submitted: number, events: JobEvent[]): Promise<JobTimes> {
    const maybeAt = (phase: string) => {
      const e = events.find((x) => x.type === "status" && (x.data as EventData["status"]).phase === phase);
      return e ? Date.parse(e.ts) : null;
    };
    const phaseAt = (phase: string) => {
      const at = maybeAt(phase);
      if (at === null) throw new Error(`job ${jobId} has no ${phase} status event`);
      return at;
    };
    const [setup, agent] = [phaseAt("setup"), phaseAt("agent")];
    // A plain change job runs its baseline beside the agent (no baseline phase): setup ends where the agent starts.
    const baseline = maybeAt("baseline") ?? agent;
    // A miss says "miss" when the agent's environment is ready, then "built" once its image is kept.
    const envEvents = events.filter((e) => e.type === "environment");
    const envEvent = envEvents[0];
    const lastEnv = envEvents.at(-1);
    const environment = lastEnv
      ? { ...(lastEnv.data as EventData["environment"]), ms: (envEvent!.data as EventData["environment"]).ms }
      : null;
    const flows = events
      .filter((e) => e.type === "network" && (e.data as EventData["network"]).phase === "setup")
      .map((e) => ({ end: Date.parse(e.ts), start: Date.parse(e.ts) - (e.data as EventData["network"]).durationMs }));
    const first = Math.min(...flows.map((f) => f.start));
    const last = Math.max(...flows.map((f) => f.end));
    const envAt = envEvent ? Date.parse(envEvent.ts) : null;
    return {
      jobId,
      status,
      environment,
      submitToAgentMs: agent - submitted,
      submitToSetupMs: setup - submitted,
      setupMs: baseline - setup,
      baselineToAgentMs: agent - baseline,
      setupNetwork:
        flows.length === 0
          ? null
          : {
              connections: flows.length,
              beforeFirstMs: first - setup,
              spanMs: last - first,
              afterLastMs: (envAt ?? baseline) - last,
            },
      environmentToBaselineMs: envAt === null ? null : baseline - envAt,
      imageBuildMs: environment?.status === "built" ? await this.buildMs(environment.key) : null,
      steps: (envEvent?.data as EventData["environment"] | undefined)?.steps ?? {},
    };
  }
}

/** Temp dirs made by the benchmark, removed at the end. */
export class Temps {
  private readonly dirs: string[] = [];

  /** A new empty temp dir. */
  make(label: string): string {
    const dir = mkdtempSync(path.join(tmpdir(), `patchbay-bench-env-${label}-`));
    this.dirs.push(dir);
    return dir;
  }

  /** A temp copy of `source`. */
  copy(source: string, label: string): string {
    const dir = this.make(label);
    cpSync(source, dir, { recursive: true });
    return dir;
  }

  removeAll(): void {
    for (const dir of this.dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  }
}

/** `npm ci` in a fresh copy of `project` on the host (its own npm configuration) with `cache`; ms. */
export async function hostNpmCi(temps: Temps, project: string, cache: string): Promise<number> {
  const dir = temps.copy(project, "host");
  const started = performance.now();
  await run("npm", ["ci", "--cache", cache], { cwd: dir, maxBuffer: 64 * 1024 * 1024 });
  const ms = performance.now() - started;
  rmSync(dir, { recursive: true, force: true });
  return ms;
}

/** npm's version on the host and in `image`. */
export async function npmVersions(image: string): Promise<{ host: string; sandbox: string }> {
  const host = (await run("npm", ["-v"])).stdout.trim();
  const inImage = await run("docker", [
    "run",
    "--rm",
    "--network",
    "none",
    "--label",
    "patchbay.bench=1",
    image,
    "npm",
    "-v",
  ]);
  return { host, sandbox: inImage.stdout.trim() };
}
