import { type AgentFunctionTool, parseArguments } from "@patchbay/agent";
import type { ChangeExplanation, CheckRun, JobEvent, JobResult } from "@patchbay/core";
import type { JobEventRepository } from "@patchbay/db";
import { z } from "zod";
import { commandRuns, linkVerification, type VerificationClaim } from "./link-verification.js";

const Text = (what: string) => z.string().trim().min(1, `${what} may not be empty`).max(4000);

const ExplainArgs = z
  .object({
    what: Text("what"),
    where: z.array(Text("a place")).min(1, "where names at least one file").max(100),
    why: Text("why"),
    verification: z
      .array(
        z
          .object({
            claim: Text("a claim"),
            evidence: z.discriminatedUnion(
              "kind",
              [
                z.object({ kind: z.literal("check"), name: Text("evidence.name") }).strict(),
                z.object({ kind: z.literal("command"), command: Text("evidence.command") }).strict(),
              ],
              { error: 'evidence is {"kind": "check", "name": "test"} or {"kind": "command", "command": "npm test"}' },
            ),
          })
          .strict(),
      )
      .max(50),
  })
  .strict();

const DEFINITION: AgentFunctionTool["definition"] = {
  type: "function",
  name: "explain_change",
  description:
    'Call once when your change is done, before your final answer: what you changed, where (the files), why, and how you verified it. Each verification claim names its evidence: a check of the job ({"kind": "check", "name": "test"} or "lint") or a shell command you ran, exactly as you ran it ({"kind": "command", "command": "npm test"}). Claims without such evidence are dropped.',
  parameters: {
    type: "object",
    properties: {
      what: { type: "string" },
      where: { type: "array", items: { type: "string" } },
      why: { type: "string" },
      verification: {
        type: "array",
        items: {
          type: "object",
          properties: {
            claim: { type: "string" },
            evidence: {
              type: "object",
              properties: {
                kind: { type: "string", enum: ["check", "command"] },
                name: { type: "string" },
                command: { type: "string" },
              },
              required: ["kind"],
            },
          },
          required: ["claim", "evidence"],
        },
      },
    },
    required: ["what", "where", "why", "verification"],
    additionalProperties: false,
  },
  strict: false,
};

/**
 * A change job's account of itself: the agent's `explain_change` call (validated; a call that
 * does not fit is a tool error the model retries), and its verification claims tied to the
 * checks and commands the job really ran.
 */
export class ChangeExplainer {
  private explanation: ChangeExplanation | null = null;
  private claims: VerificationClaim[] = [];

  /** The tool to offer the agent. */
  readonly tool: AgentFunctionTool = {
    definition: DEFINITION,
    run: async (argumentsText) => {
      const args = parseArguments(argumentsText, ExplainArgs);
      if (typeof args === "string") {
        return {
          output: `Could not run explain_change: ${args}. Send it again with this fixed.`,
          ok: false,
          malformed: true,
        };
      }
      const { verification, ...explanation } = args;
      this.explanation = explanation;
      this.claims = verification;
      return { output: "Recorded. Now give your final answer.", ok: true };
    },
  };

  /**
   * The result fields: the explanation and the linked claims; nothing when the agent never
   * explained (then the job's events are not read).
   */
  async link(
    after: CheckRun[],
    events: () => Promise<JobEvent[]>,
  ): Promise<Pick<JobResult, "explanation" | "verification" | "verificationNotes">> {
    if (!this.explanation) return {};
    const { verification, notes } = linkVerification(this.claims, { after, commands: commandRuns(await events()) });
    return { explanation: this.explanation, verification, ...(notes.length ? { verificationNotes: notes } : {}) };
  }
}

/** A job's tool_call and tool_result events in order (what the agent ran), read after the buffer was flushed. */
export async function toolEvents(events: Pick<JobEventRepository, "listOfType">, jobId: string): Promise<JobEvent[]> {
  const all: JobEvent[] = [];
  for (const type of ["tool_call", "tool_result"] as const) {
    for (let after = 0; ; ) {
      const page = await events.listOfType(jobId, type, after);
      all.push(...page);
      if (page.length < 500) break;
      after = page.at(-1)?.seq ?? after;
    }
  }
  return all.sort((a, b) => a.seq - b.seq);
}
