import { describe, expect, it } from "vitest";
import { JobSpecSchema } from "./job-spec.js";
import { atOrAbove, ReviewReportSchema } from "./review.js";

const base = { repo: { url: "https://example.com/r.git" }, task: "review it", model: "script:x" };
const messages = (input: unknown) => {
  const parsed = JobSpecSchema.safeParse(input);
  return parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
};

describe("review jobs in the JobSpec", () => {
  it("takes kind review with a base, head defaulting to HEAD", () => {
    const spec = JobSpecSchema.parse({ ...base, kind: "review", review: { base: "main" } });
    expect(spec.review).toEqual({ base: "main", head: "HEAD" });
  });

  it("says what to fix for a review without review, review without the kind, and repo.ref beside it", () => {
    expect(messages({ ...base, kind: "review" }).join()).toContain('a review job needs review: {"base"');
    expect(messages({ ...base, review: { base: "main" } }).join()).toContain('review is only for kind "review"');
    const both = { ...base, kind: "review", review: { base: "main" }, repo: { ...base.repo, ref: "x" } };
    expect(messages(both).join()).toContain("leave repo.ref and repo.commit out");
    expect(messages({ ...base, kind: "review", review: { base: "-x" } }).join()).toContain(
      "review.base must be a branch, tag or commit name",
    );
  });
});

describe("review reports", () => {
  const finding = { file: "a.js", startLine: 3, endLine: 4, priority: "P1", title: "t", body: "b", confidence: 0.8 };

  it("accepts a whole report and refuses a finding without a priority or with lines backwards", () => {
    expect(ReviewReportSchema.safeParse({ verdict: "correct", explanation: "ok", findings: [finding] }).success).toBe(
      true,
    );
    const { priority: _p, ...noPriority } = finding;
    const bad = ReviewReportSchema.safeParse({
      verdict: "needs_changes",
      explanation: "x",
      findings: [noPriority, { ...finding, startLine: 5 }],
    });
    expect(bad.success).toBe(false);
    const text = JSON.stringify(bad.error?.issues);
    expect(text).toContain("priority must be one of P0, P1, P2, P3");
    expect(text).toContain("endLine may not be before startLine");
  });

  it("orders priorities P0 first", () => {
    expect(atOrAbove("P0", "P1")).toBe(true);
    expect(atOrAbove("P1", "P1")).toBe(true);
    expect(atOrAbove("P2", "P1")).toBe(false);
  });
});
