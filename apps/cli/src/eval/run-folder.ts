import { randomUUID } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import { CliError } from "../api-client.js";

/** The settings of one eval run, kept in `<dir>/run.json` so that a rerun continues the same run. */
export interface RunSettings {
  runId: string;
  instancesFile: string;
  /** The model asked for (may hold `{id}`, replaced by each instance's id); absent: the server's default. */
  model?: string;
  engine?: string;
  attempts?: number;
  createdAt: string;
}

/** The named tests of a hidden run, as the job reports them. */
export interface HiddenView {
  resolved: boolean;
  tests?: Array<{ name: string; outcome: string }>;
  failToPass: { passed: string[]; failed: string[] };
  passToPass: { passed: string[]; failed: string[] };
  exitCode: number | null;
  durationMs: number;
  error?: string;
}

/** What one instance came to in a run (`<dir>/instances/<id>.json`). */
export interface InstanceOutcome {
  id: string;
  /** Absent between the upload and the submit (a rerun submits again with the same source and Idempotency-Key). */
  jobId?: string;
  /** The uploaded source (bundle or checkout) the job clones. */
  sourceId?: string;
  /** Ids of earlier jobs of this instance that ended in an infrastructure error (retried on a rerun). */
  previousJobs?: string[];
  submittedAt?: string;
  /** The job's terminal status; absent while it runs. */
  status?: string;
  resolved?: boolean;
  hidden?: HiddenView | null;
  error?: { code: string; message: string } | null;
  /** From the job's start to its end (queue wait excluded). */
  durationMs?: number | null;
  turns?: number | null;
  inputTokens?: number | null;
  outputTokens?: number | null;
  costUsd?: number | null;
  patchStats?: { files: number; insertions: number; deletions: number } | null;
  finishedAt?: string;
}

/** Statuses after which an instance is not run again ("error" is ours, not the agent's: a rerun retries it). */
const FINAL = new Set(["succeeded", "failed", "cancelled", "timed_out"]);

/** Whether a rerun skips this instance. */
export const isFinished = (outcome: InstanceOutcome | undefined): boolean =>
  outcome?.status !== undefined && FINAL.has(outcome.status);

/** A run folder: settings, one file per instance, the report. */
export class RunFolder {
  constructor(readonly dir: string) {}

  private get instancesDir(): string {
    return path.join(this.dir, "instances");
  }

  /** The run's settings: the stored ones (flags must agree with them), else new ones from the flags. */
  settings(wanted: Omit<RunSettings, "runId" | "createdAt">): RunSettings {
    const file = path.join(this.dir, "run.json");
    if (!existsSync(file)) {
      mkdirSync(this.instancesDir, { recursive: true });
      const settings = { runId: randomUUID(), createdAt: new Date().toISOString(), ...wanted };
      this.writeJson("run.json", settings);
      return settings;
    }
    const stored = this.readSettings();
    for (const key of ["model", "engine", "attempts"] as const) {
      if (wanted[key] !== undefined && wanted[key] !== stored[key])
        throw new CliError(
          `${this.dir} holds a run with ${key} ${stored[key] ?? "(default)"}, not ${wanted[key]}: use another --out for another ${key}`,
        );
    }
    mkdirSync(this.instancesDir, { recursive: true });
    return stored;
  }

  /** The stored settings (a CliError when the folder holds no run). */
  readSettings(): RunSettings {
    const file = path.join(this.dir, "run.json");
    if (!existsSync(file)) throw new CliError(`${this.dir} is not an eval run folder (no run.json)`);
    return JSON.parse(readFileSync(file, "utf8")) as RunSettings;
  }

  /** The instance's stored outcome, if any. */
  outcome(id: string): InstanceOutcome | undefined {
    const file = path.join(this.instancesDir, `${id}.json`);
    return existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as InstanceOutcome) : undefined;
  }

  /** Every stored outcome, by id. */
  outcomes(): Map<string, InstanceOutcome> {
    const all = new Map<string, InstanceOutcome>();
    if (!existsSync(this.instancesDir)) return all;
    for (const name of readdirSync(this.instancesDir)
      .filter((n) => n.endsWith(".json"))
      .sort()) {
      const outcome = JSON.parse(readFileSync(path.join(this.instancesDir, name), "utf8")) as InstanceOutcome;
      all.set(outcome.id, outcome);
    }
    return all;
  }

  /** Stores an instance's outcome (atomically: an interrupted run never leaves half a file). */
  save(outcome: InstanceOutcome): void {
    this.writeJson(path.join("instances", `${outcome.id}.json`), outcome);
  }

  /** Writes a file of the run folder atomically. */
  writeText(name: string, text: string): void {
    const file = path.join(this.dir, name);
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, text);
    renameSync(tmp, file);
  }

  writeJson(name: string, value: unknown): void {
    this.writeText(name, `${JSON.stringify(value, null, 2)}\n`);
  }
}
