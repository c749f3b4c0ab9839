import { z } from "zod";

/** Finding priorities, most urgent first: P0 blocks release, P3 is a nit. */
export const FINDING_PRIORITIES = ["P0", "P1", "P2", "P3"] as const;
export type FindingPriority = (typeof FINDING_PRIORITIES)[number];

/** True when `priority` is as urgent as `threshold` or more (P0 ≥ P1 ≥ P2 ≥ P3). */
export function atOrAbove(priority: FindingPriority, threshold: FindingPriority): boolean {
  return FINDING_PRIORITIES.indexOf(priority) <= FINDING_PRIORITIES.indexOf(threshold);
}

/** One problem a review found, on the head side of the diff. */
export const ReviewFindingSchema = z
  .object({
    file: z
      .string()
      .trim()
      .min(1, "file is the path of the file, relative to the repository root")
      .max(1000)
      .refine(
        (p) => !p.startsWith("/") && !p.split("/").includes(".."),
        "file must be relative to the repository root",
      ),
    startLine: z.number().int().min(1, "startLine is a 1-based line number"),
    endLine: z.number().int().min(1, "endLine is a 1-based line number"),
    priority: z.enum(FINDING_PRIORITIES, { error: "priority must be one of P0, P1, P2, P3" }),
    title: z.string().trim().min(1, "a finding needs a title").max(200),
    body: z.string().trim().min(1, "a finding needs a body that says why it is a problem").max(8000),
    confidence: z.number().min(0, "confidence is between 0 and 1").max(1, "confidence is between 0 and 1"),
  })
  .strict()
  .refine((f) => f.endLine >= f.startLine, { message: "endLine may not be before startLine", path: ["endLine"] });
export type ReviewFinding = z.output<typeof ReviewFindingSchema>;

/** A whole review: the verdict on the change, why, and what was found. */
export const ReviewReportSchema = z
  .object({
    verdict: z.enum(["correct", "needs_changes"], { error: 'verdict must be "correct" or "needs_changes"' }),
    explanation: z.string().trim().min(1, "explain the verdict in a few sentences").max(8000),
    findings: z.array(ReviewFindingSchema).max(100),
  })
  .strict();
export type ReviewReport = z.output<typeof ReviewReportSchema>;

/** What a review job stores as `result.review`: the report and the commits it reviewed. */
export interface ReviewResult extends ReviewReport {
  /** The merge base of base and head: the diff reviewed is mergeBase..head. */
  base: string;
  head: string;
}
