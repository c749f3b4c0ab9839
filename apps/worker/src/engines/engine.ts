import type { JobRecord } from "@patchbay/db";
import type { SandboxMount } from "@patchbay/sandbox";
import type { Logger } from "pino";
import type { AgentPhaseInput, AgentSummary } from "../pipeline/agent-phase.js";
import type { PipelineSettings } from "../pipeline/settings.js";
import { CodexEngine } from "./codex/codex-engine.js";

/**
 * Who works in the job's sandbox in the agent phase when it is not Patchbay's own loop: an outside
 * agent CLI. The pipeline around it (environment, checks, patch, limits) stays the same.
 */
export interface AgentEngine {
  readonly name: string;
  /** Mounts every sandbox of the job gets; ready before the first sandbox is made. */
  mounts(): Promise<SandboxMount[]>;
  /** The agent phase in the job's sandbox; the change stays in its workspace. */
  run(input: AgentPhaseInput): Promise<AgentSummary>;
  /** Frees what the engine holds on the host; safe to call more than once. */
  dispose(): Promise<void>;
}

/** The job's engine (JobSpec `engine`), or null for Patchbay's own loop (the default). */
export function agentEngine(job: JobRecord, settings: PipelineSettings, logger: Logger): AgentEngine | null {
  if (job.spec.engine !== "codex") return null;
  return new CodexEngine(job.id, settings, logger);
}
