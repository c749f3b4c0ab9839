/** Label keys Patchbay puts on every container it creates. */
export const LABELS = {
  managed: "patchbay.managed",
  job: "patchbay.job",
  worker: "patchbay.worker",
  created: "patchbay.created",
  /** Set on warm-pool containers: the id of the provider (pool) that started them. */
  pool: "patchbay.pool",
  /**
   * The installation (one database) that made it. Several installations may share one engine:
   * each lists, reaps and removes only what carries its own id.
   */
  installation: "patchbay.installation",
} as const;

/** Installation ids: short, label- and filter-safe. */
export const INSTALLATION_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** The installation id of providers that were given none (tests, benchmarks); never a real installation's. */
export const UNSET_INSTALLATION_ID = "unset";

/**
 * The labels everything Patchbay makes on a Docker engine carries (containers, images, volumes):
 * merge them into the object's own labels, and list with `installationFilter` of the same id.
 */
export function installationLabels(installationId: string): Record<string, string> {
  if (!INSTALLATION_ID_PATTERN.test(installationId)) {
    throw new Error(`installation id ${JSON.stringify(installationId)} must match ${INSTALLATION_ID_PATTERN}`);
  }
  return { [LABELS.managed]: "1", [LABELS.installation]: installationId };
}

/** Docker's label filter (containers, images, volumes) for what this installation made. */
export function installationFilter(installationId: string): { label: string[] } {
  return { label: Object.entries(installationLabels(installationId)).map(([k, v]) => `${k}=${v}`) };
}

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
  /** The installation that made it (null: made before installations were labelled, or not by Patchbay). */
  installationId: string | null;
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
    installationId: labels[LABELS.installation] ?? null,
  };
}

/** Docker's label filter for Patchbay containers: of one installation when given, else of any. */
export function labelFilter(installationId?: string): { label: string[] } {
  return installationId === undefined ? { label: [`${LABELS.managed}=1`] } : installationFilter(installationId);
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
