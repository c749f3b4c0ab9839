import { describe, expect, it } from "vitest";
import { JobSpecSchema } from "./job-spec.js";

const BASE = { repo: { url: "https://git.example.com/a.git" }, task: "fix it" };

describe("JobSpec engine", () => {
  it('defaults to "patchbay" and accepts "codex"', () => {
    expect(JobSpecSchema.parse(BASE).engine).toBe("patchbay");
    expect(JobSpecSchema.parse({ ...BASE, engine: "codex" }).engine).toBe("codex");
  });

  it("names what the Codex engine cannot run", () => {
    const issues = (spec: object) =>
      JobSpecSchema.safeParse({ ...BASE, ...spec }).error?.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
    expect(issues({ engine: "claude" })?.[0]).toMatch(/^engine: /);
    expect(issues({ engine: "codex", model: "chat:llama" })).toEqual([
      'model: engine "codex" speaks only the Responses API: drop the chat: prefix',
    ]);
    expect(issues({ engine: "codex", kind: "review", review: { base: "main" } })).toEqual([
      'engine: a review job runs on engine "patchbay" (it reports through report_findings)',
    ]);
    expect(issues({ engine: "patchbay", model: "chat:llama" })).toBeUndefined();
  });
});
