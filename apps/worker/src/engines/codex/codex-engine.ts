import { randomBytes } from "node:crypto";
import { chmod, mkdir, rm } from "node:fs/promises";
import path from "node:path";
import { PatchbayError } from "@patchbay/core";
import type { SandboxMount } from "@patchbay/sandbox";
import type { Logger } from "pino";
import { type AgentPhaseInput, type AgentSummary, jobLimits, jobTask } from "../../pipeline/agent-phase.js";
import type { PipelineSettings } from "../../pipeline/settings.js";
import type { AgentEngine } from "../engine.js";
import { ensureCodex } from "./install.js";
import { CODEX_SANDBOX_PATHS } from "./paths.js";
import { runCodex } from "./run-codex.js";

/**
 * `engine: "codex"`: OpenAI's Codex CLI in the job's sandbox. Every sandbox of the job gets the
 * CLI (read-only, from the host's per-version cache), the bridge binary and an empty socket
 * folder; only during the agent phase does the folder hold the model proxy's socket.
 */
export class CodexEngine implements AgentEngine {
  readonly name = "codex";
  private readonly socketDir: string;
  private prepared: Promise<SandboxMount[]> | null = null;

  constructor(
    private readonly jobId: string,
    private readonly settings: PipelineSettings,
    private readonly logger: Logger,
  ) {
    this.socketDir = path.resolve(settings.workDir, `codex-${jobId}-${randomBytes(4).toString("hex")}`);
  }

  mounts(): Promise<SandboxMount[]> {
    this.prepared ??= this.prepare();
    return this.prepared;
  }

  private async prepare(): Promise<SandboxMount[]> {
    const codex = this.settings.codex;
    if (!codex)
      throw new PatchbayError(
        "engine_failed",
        "this worker cannot run the Codex engine: it needs the Docker engine on the worker's own host " +
          "(Codex's install and model socket are bind-mounted), and this worker's DOCKER_HOST is remote",
      );
    const install = await ensureCodex(codex.cacheDir, codex.version);
    // The sandbox's uid must be able to enter the folder to reach the socket.
    await mkdir(this.socketDir, { recursive: true });
    await chmod(this.socketDir, 0o755);
    const bind = (source: string, target: string): SandboxMount => ({ type: "bind", source, target, readOnly: true });
    return [
      bind(install.dir, CODEX_SANDBOX_PATHS.installDir),
      bind(codex.bridgePath, CODEX_SANDBOX_PATHS.bridge),
      bind(this.socketDir, CODEX_SANDBOX_PATHS.socketDir),
    ];
  }

  async run(input: AgentPhaseInput): Promise<AgentSummary> {
    const { job } = input;
    return runCodex({
      sandbox: input.sandbox,
      model: job.spec.model,
      ...(job.spec.reasoningEffort ? { reasoningEffort: job.spec.reasoningEffort } : {}),
      task: jobTask(job),
      limits: jobLimits(job),
      settings: this.settings.model,
      socketPath: path.join(this.socketDir, "model.sock"),
      emit: input.emit,
      signal: input.signal,
      ...(input.redact ? { redact: input.redact } : {}),
      logger: this.logger.child({ jobId: this.jobId, engine: "codex" }),
    });
  }

  async dispose(): Promise<void> {
    await rm(this.socketDir, { recursive: true, force: true });
  }
}
