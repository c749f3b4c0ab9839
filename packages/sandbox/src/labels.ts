/** Label keys Patchbay puts on every container it creates. */
export const LABELS = {
  managed: "patchbay.managed",
  job: "patchbay.job",
  worker: "patchbay.worker",
  created: "patchbay.created",
  /** Set on warm-pool containers: the id of the provider (pool) that started them. */
  pool: "patchbay.pool",
} as const;

/** A Patchbay container as `SandboxProvider.list()` reports it. */
export interface SandboxListing {
  id: string;
  /** The job it belongs to; "" for an idle pool container. */
  jobId: string;
  createdAt: Date;
  workerId: string | null;
  /** The pool that started it (warm-pool containers only). */
  poolId: string | null;
  /** A pool container not yet handed to a job. */
  idle: boolean;
}

/** Labels for a new sandbox container; a pool container has no job yet. */
export function sandboxLabels(
  owner: { jobId: string } | { poolId: string },
  workerId: string | undefined,
  now: Date,
): Record<string, string> {
  const labels: Record<string, string> = { [LABELS.managed]: "1", [LABELS.created]: now.toISOString() };
  if ("jobId" in owner) labels[LABELS.job] = owner.jobId;
  else labels[LABELS.pool] = owner.poolId;
  if (workerId !== undefined) labels[LABELS.worker] = workerId;
  return labels;
}

/**
 * Reads a listing back from a container's labels and name. Labels cannot change on a running
 * container, so a pool container handed to a job is renamed: its name carries the job id.
 */
export function listingFromLabels(
  id: string,
  labels: Record<string, string>,
  createdSec: number,
  names: string[] = [],
): SandboxListing {
  const labelled = labels[LABELS.created] === undefined ? Number.NaN : Date.parse(labels[LABELS.created] ?? "");
  const poolId = labels[LABELS.pool] ?? null;
  const boundJob = poolId === null ? null : jobFromPooledName(names);
  return {
    id,
    jobId: labels[LABELS.job] ?? boundJob ?? "",
    createdAt: new Date(Number.isNaN(labelled) ? createdSec * 1000 : labelled),
    workerId: labels[LABELS.worker] ?? null,
    poolId,
    idle: poolId !== null && boundJob === null,
  };
}

/** Docker's label filter for all Patchbay containers. */
export function labelFilter(): { label: string[] } {
  return { label: [`${LABELS.managed}=1`] };
}

/** A container name that says whose it is and never collides (a retried job gets a new one). */
export function containerName(jobId: string, suffix: string): string {
  const safe = jobId.replace(/[^a-zA-Z0-9_.-]/g, "-").slice(0, 48);
  return `patchbay-${safe}-${suffix}`;
}

/** Name of an idle pool container. */
export function poolContainerName(poolId: string, suffix: string): string {
  return `patchbay-pool-${poolId}-${suffix}`;
}

const BOUND = /^\/?patchbay-job-([a-zA-Z0-9_.-]+)--[a-f0-9]+$/;

/** True when a job id can be written into a container name exactly (else its job gets a cold container). */
export function nameableJobId(jobId: string): boolean {
  return /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,180}$/.test(jobId) && !jobId.includes("--");
}

/** The name a pool container takes when handed to a job. */
export function boundContainerName(jobId: string, suffix: string): string {
  return `patchbay-job-${jobId}--${suffix}`;
}

function jobFromPooledName(names: string[]): string | null {
  for (const name of names) {
    const match = BOUND.exec(name);
    if (match?.[1]) return match[1];
  }
  return null;
}
