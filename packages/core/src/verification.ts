/** What showed a claim of verification: an after-check of the job, or a command the agent ran. */
export type VerificationEvidence =
  | {
      kind: "check";
      /** The check's kind ("test" or "lint"). */
      name: string;
      command: string;
      passed: boolean;
    }
  | {
      kind: "command";
      command: string;
      /** The `tool_result` event that holds the command's output. */
      eventSeq: number;
      exitCode: number | null;
    };

/** One claim of the change's explanation ("the cart tests pass"), with what showed it. */
export interface VerificationLink {
  claim: string;
  evidence: VerificationEvidence;
}

/** The agent's account of its change (its `explain_change` call). */
export interface ChangeExplanation {
  /** What changed, in a sentence or two. */
  what: string;
  /** The files (or areas) it changed. */
  where: string[];
  why: string;
}
