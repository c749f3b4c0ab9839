import type { PlanStep } from "@patchbay/core";
import type { FunctionTool } from "openai/resources/responses/responses";
import { z } from "zod";
import type { ToolContext } from "./context.js";

/** `update_plan`: the agent's plan, which the user watches as `plan` events. */
export const UPDATE_PLAN_TOOL: FunctionTool = {
  type: "function",
  name: "update_plan",
  description:
    "Sets your plan for the task, shown to the user as you work. Send the whole plan each time: every step with its status (pending, in_progress or completed; at most one in_progress), and optionally a short explanation of what changed. Use it for tasks of several steps; keep steps short.",
  parameters: {
    type: "object",
    properties: {
      explanation: { type: "string", description: "Why the plan changed, in a sentence." },
      plan: {
        type: "array",
        items: {
          type: "object",
          properties: {
            step: { type: "string" },
            status: { type: "string", enum: ["pending", "in_progress", "completed"] },
          },
          required: ["step", "status"],
          additionalProperties: false,
        },
      },
    },
    required: ["plan"],
    additionalProperties: false,
  },
  strict: false,
};

const PlanArgs = z.object({
  explanation: z.string().trim().max(1000).optional(),
  plan: z
    .array(
      z.object({
        step: z.string().trim().min(1, "a step needs words").max(500),
        status: z.enum(["pending", "in_progress", "completed"]),
      }),
    )
    .min(1, "the plan needs at least one step")
    .max(50)
    .refine((steps) => steps.filter((s) => s.status === "in_progress").length <= 1, {
      message: "at most one step may be in_progress",
    }),
});

const EXPECTED = '{"explanation": "…", "plan": [{"step": "…", "status": "in_progress"}]}';

/** Runs an update_plan call: emits a `plan` event, or says why the arguments do not fit. */
export function runUpdatePlan(argumentsText: string, ctx: Pick<ToolContext, "emit">): { output: string; ok: boolean } {
  let value: unknown;
  try {
    value = argumentsText.trim() === "" ? {} : JSON.parse(argumentsText);
  } catch {
    return { output: `Could not run update_plan: the arguments are not valid JSON. Send ${EXPECTED}.`, ok: false };
  }
  const parsed = PlanArgs.safeParse(value);
  if (!parsed.success) {
    const why = z.prettifyError(parsed.error).replaceAll("\n", " ");
    return { output: `Could not run update_plan: ${why}. Send ${EXPECTED}.`, ok: false };
  }
  const steps: PlanStep[] = parsed.data.plan;
  const { explanation } = parsed.data;
  ctx.emit({ type: "plan", data: { ...(explanation ? { explanation } : {}), steps } });
  const done = steps.filter((s) => s.status === "completed").length;
  return { output: `Plan updated: ${done} of ${steps.length} steps completed.`, ok: true };
}
