import type Docker from "dockerode";
import { engineCall } from "./errors.js";
import type { FrameSink } from "./frames.js";
import type { RunnerWait } from "./runner-door.js";
import { type ShellConnector, ShellSession, type ShellTransport } from "./shell-session.js";

/** How commands reach a sandbox: a persistent shell (default) or a fresh exec per command. */
export type ShellMode = "session" | "exec";

/** How the sessions of a sandbox reach their shell: the runner's socket or the engine's attach stream. */
export type ShellTransportKind = "socket" | "attach";

/** The sandbox's runner: how to start a shell behind it, and what to do when it cannot start. */
export interface RunnerLink {
  connect: ShellConnector;
  /** Told once when the runner failed to start; later sessions use the attach stream. */
  onFailure(err: unknown): void;
  /** Closes the sandbox's socket (the sandbox is going away). */
  close(): Promise<void>;
  /** Waits for a runner started with `token` (a stream behind the runner, runner-stream.ts). */
  expect(token: string): RunnerWait;
}

/** A session lent for one command; `oneShot` sessions are closed after it. */
export interface ShellLease {
  session: ShellSession;
  oneShot: boolean;
  /** Set when the command runs in a fresh shell because an earlier one died (say so in the events). */
  notice?: string;
}

/** Called when a sandbox falls back to a fresh shell or exec; the worker can turn it into an event. */
export type ShellNoticeListener = (notice: { jobId: string; containerId: string; message: string }) => void;

// Sessions beyond this (commands running at once) get a fresh exec each instead of a new session.
const MAX_SESSIONS = 4;
// After this many shells died under commands, stop trusting sessions in this sandbox.
const MAX_DEATHS = 3;

/** The persistent shells of one sandbox: reused one command at a time, replaced when they die. */
export class ShellPool {
  private readonly idle: ShellSession[] = [];
  private readonly all = new Set<ShellSession>();
  private starting: Promise<ShellSession | null> | null = null;
  private deaths = 0;
  private sawDeath = false;
  /** Told when commands fall back to a fresh shell or exec. */
  onNotice: ((message: string) => void) | undefined;

  constructor(
    private readonly container: Docker.Container,
    private readonly workingDir: string,
    private mode: ShellMode,
    private runner?: RunnerLink,
  ) {}

  /** Where new persistent shells run: behind the runner's socket while it works, else the attach stream. */
  get transport(): ShellTransportKind {
    return this.runner ? "socket" : "attach";
  }

  /**
   * Starts two sessions in the background so the first commands do not wait for one: the second
   * serves Patchbay's own reads and scripts while a command holds the first (the agent's first
   * reads beside the workspace snapshot).
   */
  warm(): void {
    if (this.mode !== "session" || this.starting || this.all.size > 0) return;
    const open = () =>
      this.startSession().then(
        (s) => {
          this.idle.push(s);
          return s;
        },
        () => null,
      );
    this.starting = open();
    void open();
    void this.starting.finally(() => {
      this.starting = null;
    });
  }

  /**
   * Starts `cmd` behind the runner in an engine exec of its own, not a session: a helper that
   * outlives commands (the file server). Null while the shells are not behind a working runner.
   */
  startHelper(cmd: string[], sink: FrameSink): Promise<ShellTransport> | null {
    return this.runner?.connect(cmd, sink) ?? null;
  }

  /** Waits for a runner announcing `token`; null while this sandbox's shells are not behind a working runner. */
  expectRunner(token: string): RunnerWait | null {
    return this.runner?.expect(token) ?? null;
  }

  /** A session for one command: an idle one, a new one, or a one-shot exec. */
  async acquire(): Promise<ShellLease> {
    if (this.starting) await this.starting;
    this.purgeDead();
    const notice = this.takeNotice();
    if (this.mode === "exec" || this.all.size >= MAX_SESSIONS) {
      return { session: await ShellSession.start(this.container, this.workingDir), oneShot: true, notice };
    }
    // The longest idle: its next subshell is forked already, the one just released forks it 0.5 ms on.
    const ready = this.idle.shift();
    if (ready) return { session: ready, oneShot: false, notice };
    return { session: await this.startSession(), oneShot: false, notice };
  }

  /**
   * A pooled session for one of Patchbay's own helper scripts (a file operation), or null when
   * none can be had cheaply: the helper then takes its engine exec rather than a one-shot shell
   * (which costs the same exec plus a bash). A death notice is left for the next command to tell.
   */
  async lend(): Promise<ShellLease | null> {
    if (this.starting) await this.starting;
    this.purgeDead();
    if (this.mode === "exec") return null;
    const ready = this.idle.shift();
    if (ready) return { session: ready, oneShot: false };
    if (this.all.size >= MAX_SESSIONS) return null;
    return { session: await this.startSession(), oneShot: false };
  }

  /** Gives a session back; one that died, left processes behind or was cut off is closed. */
  release(lease: ShellLease, reusable: boolean): void {
    if (lease.session.dead && !lease.oneShot && this.all.delete(lease.session)) this.recordDeath();
    if (reusable && !lease.oneShot && lease.session.idle) {
      this.idle.push(lease.session);
      return;
    }
    this.all.delete(lease.session);
    lease.session.close(true);
  }

  /**
   * Signals the command of a session. At the pids limit no exec can start, so the engine tells
   * the container's supervisor (SIGUSR1) to kill every command's group with builtins.
   */
  async signal(session: ShellSession, signal: "TERM" | "KILL"): Promise<void> {
    try {
      await session.signal(signal);
    } catch {
      await engineCall("kill", () => this.container.kill({ signal: "SIGUSR1" }));
    }
  }

  /** Closes every session (the sandbox is going away). */
  closeAll(): void {
    for (const s of this.all) s.close(true);
    this.all.clear();
    this.idle.length = 0;
    void this.runner?.close();
  }

  private async startSession(): Promise<ShellSession> {
    const session = await this.openSession();
    this.all.add(session);
    return session;
  }

  /** A session behind the runner; the attach stream once the runner could not start. */
  private async openSession(): Promise<ShellSession> {
    const runner = this.runner;
    if (runner) {
      try {
        return await ShellSession.open(this.container, runner.connect);
      } catch (err) {
        this.runner = undefined;
        // Told before the link closes: a failure in a container still linked is news, one in a removed container is not.
        try {
          runner.onFailure(err);
        } catch {
          // A listener's bug must not fail the command.
        }
        void runner.close();
      }
    }
    return ShellSession.start(this.container, this.workingDir);
  }

  /** Forgets sessions whose shell ended while idle (killed by a command's stray process). */
  private purgeDead(): void {
    for (const s of this.all) {
      if (!s.dead) continue;
      this.all.delete(s);
      this.recordDeath();
    }
    const alive = this.idle.filter((s) => !s.dead);
    this.idle.splice(0, this.idle.length, ...alive);
  }

  private recordDeath(): void {
    this.deaths++;
    this.sawDeath = true;
    if (this.deaths >= MAX_DEATHS) this.mode = "exec";
  }

  private takeNotice(): string | undefined {
    if (!this.sawDeath) return undefined;
    this.sawDeath = false;
    const message =
      this.mode === "exec"
        ? "[patchbay] the sandbox shell died again; each command now runs in a fresh exec"
        : "[patchbay] the sandbox shell had died; this command runs in a fresh shell";
    try {
      this.onNotice?.(message);
    } catch {
      // A listener's bug must not fail the command.
    }
    return message;
  }
}
