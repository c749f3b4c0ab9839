/** Label keys Patchbay puts on every container it creates. */
export const LABELS = {
  managed: "patchbay.managed",
  job: "patchbay.job",
  worker: "patchbay.worker",
  created: "patchbay.created",
} as const;

/** A Patchbay container as `SandboxProvider.list()` reports it. */
export interface SandboxListing {
  id: string;
  jobId: string;
  createdAt: Date;
  workerId: string | null;
}

/** Labels for a new sandbox container. */
export function sandboxLabels(jobId: string, workerId: string | undefined, now: Date): Record<string, string> {
  const labels: Record<string, string> = {
    [LABELS.managed]: "1",
    [LABELS.job]: jobId,
    [LABELS.created]: now.toISOString(),
  };
  if (workerId !== undefined) labels[LABELS.worker] = workerId;
  return labels;
}

/** Reads a listing back from a container's labels; the engine's creation time is the fallback. */
export function listingFromLabels(id: string, labels: Record<string, string>, createdSec: number): SandboxListing {
  const labelled = labels[LABELS.created] === undefined ? Number.NaN : Date.parse(labels[LABELS.created] ?? "");
  return {
    id,
    jobId: labels[LABELS.job] ?? "",
    createdAt: new Date(Number.isNaN(labelled) ? createdSec * 1000 : labelled),
    workerId: labels[LABELS.worker] ?? null,
  };
}

/** Docker's label filter for all Patchbay containers, or those of one job. */
export function labelFilter(jobId?: string): { label: string[] } {
  const label = [`${LABELS.managed}=1`];
  if (jobId !== undefined) label.push(`${LABELS.job}=${jobId}`);
  return { label };
}

/** A container name that says whose it is and never collides (a retried job gets a new one). */
export function containerName(jobId: string, suffix: string): string {
  const safe = jobId.replace(/[^a-zA-Z0-9_.-]/g, "-").slice(0, 48);
  return `patchbay-${safe}-${suffix}`;
}
