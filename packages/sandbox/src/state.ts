import type Docker from "dockerode";
import { engineCall } from "./errors.js";
import { runRaw } from "./file-ops.js";

/** Live state of a sandbox container. */
export interface SandboxState {
  running: boolean;
  /** True once the kernel's OOM killer hit any process of the container. */
  oomKilled: boolean;
  /** How many processes the OOM killer has killed in this container so far. */
  oomKills: number;
}

// cgroup v1 exposes the count in memory.oom_control, v2 in memory.events; both read-only inside.
const READ_OOM = "cat /sys/fs/cgroup/memory/memory.oom_control 2>/dev/null || cat /sys/fs/cgroup/memory.events";

/**
 * Asks the engine and the container's own memory cgroup. The engine (20.10) sets OOMKilled
 * only when the main process dies, so a hog started by exec shows only in the cgroup counter.
 */
export async function readState(container: Docker.Container): Promise<SandboxState> {
  const info = await engineCall("inspect", () => container.inspect());
  if (!info.State.Running) return { running: false, oomKilled: info.State.OOMKilled, oomKills: 0 };
  const counter = await runRaw(container, ["sh", "-c", READ_OOM]);
  const oomKills = parseOomKills(counter.stdout.toString("utf8"));
  return { running: true, oomKilled: info.State.OOMKilled || oomKills > 0, oomKills };
}

/** The `oom_kill N` line of a memory cgroup file; 0 when absent. */
export function parseOomKills(text: string): number {
  const match = /^oom_kill (\d+)$/m.exec(text);
  return match ? Number(match[1]) : 0;
}
