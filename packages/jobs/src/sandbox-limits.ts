import type { JobSpec } from "@patchbay/core";

/** The most a JobSpec's sandbox may ask for (PATCHBAY_SANDBOX_MAX_MEMORY_MB / PATCHBAY_SANDBOX_MAX_CPUS). */
export interface SandboxMaxima {
  maxMemoryMb: number;
  maxCpus: number;
}

export const DEFAULT_SANDBOX_MAXIMA: SandboxMaxima = { maxMemoryMb: 8192, maxCpus: 4 };

/**
 * The first sandbox limit of the spec above the operator's maximum, as a field path and a
 * message naming the maximum; null when the spec stays within them. The JobSpec schema's own
 * bounds are static; these depend on the machine the operator runs.
 */
export function sandboxLimitProblem(
  sandbox: JobSpec["sandbox"],
  maxima: SandboxMaxima,
): { path: string; message: string } | null {
  if (sandbox?.memoryMb !== undefined && sandbox.memoryMb > maxima.maxMemoryMb) {
    return {
      path: "sandbox.memoryMb",
      message: `${sandbox.memoryMb} is more than this server allows: at most ${maxima.maxMemoryMb} (PATCHBAY_SANDBOX_MAX_MEMORY_MB)`,
    };
  }
  if (sandbox?.cpus !== undefined && sandbox.cpus > maxima.maxCpus) {
    return {
      path: "sandbox.cpus",
      message: `${sandbox.cpus} is more than this server allows: at most ${maxima.maxCpus} (PATCHBAY_SANDBOX_MAX_CPUS)`,
    };
  }
  return null;
}
