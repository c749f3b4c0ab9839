import { spawn } from "node:child_process";
import type { Socket } from "node:net";
import { type HostExit, HostLauncher, type HostProcess, LauncherFault, type LaunchOptions } from "./launcher.js";

let shared: Promise<HostLauncher | null> | null = null;

/**
 * Starts a host process in a process group of its own, through the shared launcher (started on
 * first use, again after it died or failed); straight from the worker when no launcher can be had
 * or the launcher itself failed (its socket folder removed by a temp cleaner, say).
 */
export async function launchHost(file: string, args: string[], options: LaunchOptions): Promise<HostProcess> {
  const launcher = await hostLauncher();
  if (!launcher) return spawnDirect(file, args, options);
  try {
    return await launcher.launch(file, args, options);
  } catch (err) {
    if (!(err instanceof LauncherFault)) throw err;
    launcher.retire();
    return spawnDirect(file, args, options);
  }
}

/** The shared launcher, started when there is none that works; null when none can be started. */
export async function hostLauncher(): Promise<HostLauncher | null> {
  const pending = shared;
  const known = await pending;
  if (known?.alive) return known;
  // Callers that found it dead together start one launcher between them.
  if (shared === pending) shared = HostLauncher.start().catch(() => null);
  return shared;
}

/** The same process started by the worker itself (the fallback). */
export function spawnDirect(file: string, args: string[], options: LaunchOptions): Promise<HostProcess> {
  const child = spawn(file, args, {
    cwd: options.cwd,
    env: options.env,
    detached: true,
    stdio: [options.stdin ? "pipe" : "ignore", "pipe", "pipe"],
  });
  const closed = new Promise<HostExit>((resolve) =>
    child.once("close", (code, signal) => resolve({ code, signal: signal ?? null })),
  );
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("spawn", () =>
      resolve({
        pid: child.pid!,
        stdin: (child.stdin as Socket | null) ?? null,
        stdout: child.stdout as Socket,
        stderr: child.stderr as Socket,
        closed,
        get exited() {
          return child.exitCode !== null || child.signalCode !== null;
        },
      }),
    );
  });
}
