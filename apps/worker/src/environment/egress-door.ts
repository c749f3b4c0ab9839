import type { EventData, EventSink, NetworkTotals } from "@patchbay/core";
import type { SandboxMount } from "@patchbay/sandbox";
import { SANDBOX_CA_PATH } from "./host-ca.js";

/** One connection as the egress proxy reports it (the `network` event without its phase). */
export type ConnectionReport = Omit<EventData["network"], "phase">;

/** A sandbox's door to the worker's egress proxy (a unix socket in `hostDir`). */
export interface EgressDoor {
  readonly hostDir: string;
  close(): Promise<void>;
}

/** The worker's egress proxy as the pipeline uses it (@patchbay/egress's EgressProxy). */
export interface EgressGate {
  openDoor(options: {
    id: string;
    allow: readonly string[];
    methods?: readonly string[];
    denyHint: string;
    onConnection: (report: ConnectionReport) => void;
    onOpen?: () => void;
    /** A folder already mounted into the sandbox (its runner folder) to put the socket in. */
    folder?: string;
  }): Promise<EgressDoor>;
}

/** Where the door and the bridge appear inside a sandbox. */
export interface EgressPaths {
  socketDir: string;
  bridgePath: string;
}

/** Counts a job's proxied connections and turns each into a `network` event. */
export class NetworkLedger {
  private readonly totals: NetworkTotals = { allowed: 0, denied: 0, bytesUp: 0, bytesDown: 0, deniedHosts: [] };

  constructor(private readonly emit: EventSink) {}

  /** The listener a door reports to, for one phase. */
  listener(phase: "setup" | "agent"): (report: ConnectionReport) => void {
    return (report) => {
      if (report.allowed) this.totals.allowed++;
      else {
        this.totals.denied++;
        if (!this.totals.deniedHosts.includes(report.host)) this.totals.deniedHosts.push(report.host);
      }
      this.totals.bytesUp += report.bytesUp;
      this.totals.bytesDown += report.bytesDown;
      this.emit({ type: "network", data: { phase, ...report } });
    };
  }

  /** Totals so far (a copy). */
  snapshot(): NetworkTotals {
    return { ...this.totals, deniedHosts: [...this.totals.deniedHosts] };
  }

  /** Whether any connection was made or refused. */
  get used(): boolean {
    return this.totals.allowed + this.totals.denied > 0;
  }
}

/** The mounts that give a sandbox its door: the socket folder, the bridge binary and the host's CA bundle, read-only. */
export function doorMounts(
  door: EgressDoor,
  egress: { paths: EgressPaths; bridgeHostPath: string; caBundle?: string | null; sharedInEvery?: boolean },
): SandboxMount[] {
  const mounts: SandboxMount[] = [
    { type: "bind", source: door.hostDir, target: egress.paths.socketDir, readOnly: true },
  ];
  if (egress.sharedInEvery) return mounts;
  mounts.push({ type: "bind", source: egress.bridgeHostPath, target: egress.paths.bridgePath, readOnly: true });
  if (egress.caBundle) mounts.push({ type: "bind", source: egress.caBundle, target: SANDBOX_CA_PATH, readOnly: true });
  return mounts;
}

/** The message of a 403 and of environment_failed: which setting allows a host. */
export function denyHint(projectId: string): string {
  return (
    `add it to the job's spec.environment.allow, or to the project's allowlist: ` +
    `patchbay env allow <host> --project ${projectId} (PUT /v1/projects/${projectId}/environment)`
  );
}
