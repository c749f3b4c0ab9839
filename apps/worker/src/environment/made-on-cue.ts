/**
 * Something made once a cue says the time is right, or at the latest `delayMs` after being armed.
 * A miss makes the agent's sandbox this way: npm, pip and their kind spend their first second or
 * so on the CPU (starting, reading the lockfile) before their first request out, and a sandbox
 * filled beside them (the pool's refill behind it) slows that start on a 2-core host; the network
 * part that follows leaves room for it.
 */
export class MadeOnCue<T> {
  private made: Promise<T> | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly make: () => Promise<T>) {}

  /** Makes it now (once). */
  cue(): Promise<T> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.made ??= this.make();
    return this.made;
  }

  /** Makes it `delayMs` from now unless a cue comes first. */
  arm(delayMs: number): void {
    if (this.made || this.timer) return;
    this.timer = setTimeout(() => void this.cue().catch(() => undefined), delayMs);
    this.timer.unref();
  }

  /** What was made, or null when nothing was started (and nothing will be: the timer is stopped). */
  async settle(): Promise<T | null> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    return this.made ? await this.made : null;
  }
}
