import { JobSpecSchema } from "@patchbay/core";
import { describe, expect, it } from "vitest";
import { parseCli, submitFlags } from "../client.js";
import { sinceFrom } from "./jobs.js";
import { specFromFlags } from "./submit.js";

const spec = (...argv: string[]) =>
  specFromFlags(submitFlags(parseCli(["submit", "--repo", "https://git.example.com/a.git", ...argv]).values));

describe("submit flags", () => {
  it("say everything a JobSpec can say", () => {
    const made = spec(
      ...["--task", "Why is checkout slow?", "--kind", "ask", "--engine", "codex", "--reasoning-effort", "high"],
      ...["--test", "npm test", "--protect-tests", "--max-turns", "30", "--timeout", "900"],
      ...["--max-tokens", "200000", "--max-cost", "2.5", "--cpus", "2", "--memory-mb", "4096", "--image", "node:22"],
      ...["--allow", "registry.example.com", "--allow", "*.example.org", "--no-env-cache"],
      ...["--branch", "fix/x", "--force", "--pr", "--notify", "https://hooks.example.com/p"],
    );
    expect(made).toMatchObject({
      kind: "ask",
      engine: "codex",
      reasoningEffort: "high",
      checks: { test: "npm test", protectTests: true },
      limits: { maxTurns: 30, timeoutSec: 900, maxTokens: 200000, maxCostUsd: 2.5 },
      sandbox: { cpus: 2, memoryMb: 4096, image: "node:22" },
      environment: { allow: ["registry.example.com", "*.example.org"], cache: false },
      output: { branch: "fix/x", force: true, pullRequest: true },
      notify: { url: "https://hooks.example.com/p" },
    });
    expect(JobSpecSchema.safeParse(made).success).toBe(true);
  });

  it("leave out what was not given, and name a bad value's field", () => {
    const plain = spec("--task", "t");
    expect(Object.keys(plain).sort()).toEqual(["limits", "repo", "task"]);
    expect(plain.limits).toEqual({});
    expect(() => spec("--task", "t", "--reasoning-effort", "max")).toThrow(/reasoningEffort/);
    expect(() => spec("--task", "t", "--max-cost", "lots")).toThrow("--max-cost must be a number");
    expect(() => spec("--task", "t", "--memory-mb", "1")).toThrow(/sandbox.memoryMb/);
    expect(spec("--task", "t", "--attempts", "3").attempts).toBe(3);
    expect(() => spec("--task", "t", "--attempts", "9")).toThrow(/attempts may be at most 8/);
  });
});

describe("list --since", () => {
  it("takes a duration back from now or a date", () => {
    const now = Date.parse("2026-12-03T12:00:00Z");
    expect(sinceFrom("24h", now)).toBe("2026-12-02T12:00:00.000Z");
    expect(sinceFrom("7d", now)).toBe("2026-11-26T12:00:00.000Z");
    expect(sinceFrom("90m", now)).toBe("2026-12-03T10:30:00.000Z");
    expect(sinceFrom("2026-12-01")).toBe("2026-12-01T00:00:00.000Z");
    expect(() => sinceFrom("yesterday")).toThrow("--since");
  });
});
