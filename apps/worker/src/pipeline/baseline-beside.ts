import type { ChecksPlan } from "@patchbay/checks";
import type { CheckRun, EventSink } from "@patchbay/core";
import type { Sandbox } from "@patchbay/sandbox";
import type { JobEnvironment } from "../environment/environment-phase.js";
import { type AfterChecksSandbox, afterChecks, applyPatch, noteChecks } from "./after-checks.js";
import type { JobSandboxes } from "./job-sandboxes.js";

/** What the baseline beside the agent needs. */
export interface BaselineBesideInput {
  env: JobEnvironment & { fresh: () => Promise<Sandbox> };
  boxes: JobSandboxes;
  /** Runs the checks of `stage` in `sandbox` (the job's runChecks). */
  run: (sandbox: Sandbox, plan: ChecksPlan, stage: "baseline" | "after") => Promise<CheckRun[]>;
  /** Told the baseline's runs as soon as they are in (the result of a job that ends early keeps them). */
  onBaseline: (runs: CheckRun[]) => void;
  emit: EventSink;
  /** An earlier job's kept baseline (baseline-reuse.ts): none runs, the sandbox is only made ready to judge. */
  reused?: CheckRun[];
}

interface Judge {
  sandbox: Sandbox;
  runs: CheckRun[];
}

/**
 * The baseline checks in a sandbox of the job's environment that the agent never enters,
 * started while the agent works instead of before it: with a real model the agent takes far
 * longer than the checks, so the baseline costs the job no time. The same sandbox then judges
 * the stored patch (the baseline's leftovers are the base commit's own, not the agent's).
 */
export class BaselineBeside {
  private readonly judge: Promise<Judge>;
  /** The baseline's commands have ended (or none run: reused). */
  private baselineDone = false;
  /** A fresh sandbox to judge the patch in beside an unfinished baseline (judgeBesideSoon). */
  private early: Promise<Sandbox> | null = null;

  private constructor(private readonly input: BaselineBesideInput) {
    // A reused baseline has nothing to wait for: the sandbox made here judges the patch.
    this.baselineDone = input.reused !== undefined;
    this.judge = (async () => {
      const sandbox = await input.env.fresh();
      if (input.reused) return { sandbox, runs: input.reused };
      const runs = await input.run(sandbox, input.env.plan, "baseline");
      this.baselineDone = true;
      input.onBaseline(runs);
      return { sandbox, runs };
    })();
    // Awaited by `afterChecks`; a job that ends sooner must not see an unhandled rejection.
    this.judge.catch(() => undefined);
  }

  /** Starts the baseline now, in its own sandbox. */
  static start(input: BaselineBesideInput): BaselineBeside {
    return new BaselineBeside(input);
  }

  /**
   * Called when the agent is done: with the baseline still running, a fresh sandbox for the
   * after-checks is made now, while the agent's change is collected, instead of after it.
   */
  judgeBesideSoon(): void {
    if (this.baselineDone || this.early) return;
    this.early = this.input.env.fresh();
    // Awaited by afterChecks; a job that ends sooner must not see an unhandled rejection.
    this.early.catch(() => undefined);
  }

  /**
   * Waits for the baseline, removes the agent's sandbox and applies exactly `patch` in the
   * baseline's one, then runs the after-checks there. A patch that does not apply over what the
   * baseline left (a file it generated that the patch adds) falls back to a fresh sandbox.
   */
  async afterChecks(patch: string): Promise<{ runs: CheckRun[]; where: AfterChecksSandbox }> {
    const { env, boxes, emit } = this.input;
    boxes.discard(env.sandbox);
    if (this.early) return this.besideBaseline(this.early, patch);
    if (!this.baselineDone) return this.besideBaseline(env.fresh(), patch);
    const judge = await this.judge;
    const applied =
      patch.length === 0 ||
      (await applyPatch(judge.sandbox, patch).then(
        () => true,
        () => false,
      ));
    if (!applied) {
      noteChecks(emit, "the stored patch does not apply over the baseline's leftovers: a fresh sandbox judges it");
      await boxes.remove(judge.sandbox);
      return afterChecks({ ...this.input, patch, before: judge.runs, run: (s, p) => this.input.run(s, p, "after") });
    }
    if (this.input.reused) {
      noteChecks(
        emit,
        "after-checks run in a fresh sandbox made while the agent worked, with exactly the stored patch",
      );
      return { runs: await this.input.run(judge.sandbox, env.plan, "after"), where: "fresh_sandbox" };
    }
    noteChecks(
      emit,
      "after-checks run in the baseline's sandbox (the agent never ran there) with exactly the stored patch applied",
    );
    return { runs: await this.input.run(judge.sandbox, env.plan, "after"), where: "baseline_sandbox" };
  }

  /**
   * The agent finished before the baseline (a fast model, or a slow test suite): a fresh sandbox
   * judges the patch now, beside the baseline, instead of waiting for it; the baseline's sandbox
   * goes once it is done. On 2 cores the two check runs share the machine and still end sooner
   * than one after the other (README Performance).
   */
  private async besideBaseline(
    fresh: Promise<Sandbox>,
    patch: string,
  ): Promise<{ runs: CheckRun[]; where: AfterChecksSandbox }> {
    const { env, boxes, emit } = this.input;
    const baselineEnded = this.judge.then((judge) => boxes.remove(judge.sandbox));
    // Awaited below; after-checks that fail first must not leave it unhandled.
    baselineEnded.catch(() => undefined);
    const sandbox = await fresh;
    if (patch.length > 0) await applyPatch(sandbox, patch);
    noteChecks(
      emit,
      "after-checks run in a fresh sandbox with exactly the stored patch, beside the unfinished baseline",
    );
    const runs = await this.input.run(sandbox, env.plan, "after");
    await baselineEnded;
    return { runs, where: "fresh_sandbox" };
  }
}
