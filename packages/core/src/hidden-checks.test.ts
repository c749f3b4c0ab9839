import { describe, expect, it } from "vitest";
import { HIDDEN_PATCH_MAX_CHARS } from "./hidden-checks.js";
import { JobSpecSchema } from "./job-spec.js";

const DIFF = "diff --git a/t.py b/t.py\n--- a/t.py\n+++ b/t.py\n@@ -1 +1,2 @@\n x\n+y\n";
const spec = (hidden: unknown) => ({ repo: { url: "https://git.example.com/a.git" }, task: "t", checks: { hidden } });
const messages = (hidden: unknown) => {
  const parsed = JobSpecSchema.safeParse(spec(hidden));
  return parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
};

describe("checks.hidden in the JobSpec", () => {
  it("takes a diff, a test command and test names", () => {
    const parsed = JobSpecSchema.parse(
      spec({ patch: DIFF, test: "pytest -rA", failToPass: ["t.py::a"], passToPass: [] }),
    );
    expect(parsed.checks?.hidden).toEqual({ patch: DIFF, test: "pytest -rA", failToPass: ["t.py::a"], passToPass: [] });
    expect(messages({ test: "pytest -rA" })).toEqual([]);
  });

  it("says what to fix: a patch over the cap, text that is no diff, no test command, unknown keys", () => {
    const big = DIFF + "+".repeat(HIDDEN_PATCH_MAX_CHARS);
    expect(messages({ patch: big, test: "t" })).toEqual([
      `checks.hidden.patch: checks.hidden.patch is longer than ${HIDDEN_PATCH_MAX_CHARS} characters; keep only the test files' changes in it`,
    ]);
    expect(messages({ patch: "just text", test: "t" })[0]).toMatch(/must be a unified diff/);
    expect(messages({ patch: DIFF })[0]).toMatch(/checks\.hidden\.test is required/);
    expect(messages({ test: "t", sourceId: "x" })[0]).toMatch(/sourceId/);
  });
});
