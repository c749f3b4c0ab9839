import type { CheckRun, JobEvent } from "@patchbay/core";
import { describe, expect, it } from "vitest";
import { ChangeExplainer } from "./explain-change.js";
import { commandRuns } from "./link-verification.js";

const check = (kind: "test" | "lint", command: string, passed: boolean): CheckRun => ({
  kind,
  command,
  source: "detected",
  exitCode: passed ? 0 : 1,
  passed,
  status: passed ? "passed" : "failed",
  timedOut: false,
  durationMs: 1,
  outputTail: "",
});

let seq = 0;
const event = (type: "tool_call" | "tool_result", data: Record<string, unknown>) =>
  ({ seq: ++seq, ts: "", v: 1, type, data }) as unknown as JobEvent;

const events: JobEvent[] = [
  event("tool_call", { callId: "a", tool: "shell", input: { commands: ["npm test", "cat x"] } }),
  event("tool_result", { callId: "a", tool: "shell", ok: false, output: "", durationMs: 1, exitCode: 1 }),
  event("tool_call", { callId: "b", tool: "shell", input: JSON.stringify({ command: ["bash", "-lc", "npm  test"] }) }),
  event("tool_result", { callId: "b", tool: "shell", ok: true, output: "", durationMs: 1, exitCode: 0 }),
];

const explain = {
  what: "Free shipping uses the discounted total.",
  where: ["src/cart.js"],
  why: "The test for discounted carts failed.",
  verification: [
    { claim: "the tests pass", evidence: { kind: "check", name: "test" } },
    { claim: "npm test passed after the fix", evidence: { kind: "command", command: "npm test" } },
    { claim: "lint is clean", evidence: { kind: "check", name: "lint" } },
    { claim: "the benchmark is faster", evidence: { kind: "command", command: "npm run bench" } },
  ],
};

describe("explain_change", () => {
  it("refuses a call that does not fit, as a tool error naming what to fix", async () => {
    const explainer = new ChangeExplainer();
    const bad = { ...explain, verification: [{ claim: "x", evidence: { kind: "vibes" } }] };
    const reply = await explainer.tool.run(JSON.stringify(bad));
    expect(reply).toMatchObject({ ok: false, malformed: true });
    expect(reply.output).toContain('evidence is {"kind": "check"');
    expect(await explainer.link([], () => Promise.reject(new Error("events read without an explanation")))).toEqual({});
  });

  it("links claims to the after-checks and the last run of a command; drops and notes the rest", async () => {
    const explainer = new ChangeExplainer();
    expect((await explainer.tool.run(JSON.stringify(explain))).ok).toBe(true);
    const linked = await explainer.link([check("test", "npm test", true)], async () => events);
    expect(linked.explanation).toEqual({ what: explain.what, where: explain.where, why: explain.why });
    expect(linked.verification).toEqual([
      { claim: "the tests pass", evidence: { kind: "check", name: "test", command: "npm test", passed: true } },
      {
        claim: "npm test passed after the fix",
        evidence: { kind: "command", command: "npm  test", eventSeq: 4, exitCode: 0 },
      },
    ]);
    expect(linked.verificationNotes).toEqual([
      'dropped "lint is clean": no check "lint" ran after the change',
      'dropped "the benchmark is faster": the agent never ran `npm run bench`',
    ]);
  });

  it("keeps a claim whose check failed, with a note", async () => {
    const explainer = new ChangeExplainer();
    await explainer.tool.run(JSON.stringify({ ...explain, verification: [explain.verification[0]] }));
    const linked = await explainer.link([check("test", "npm test", false)], async () => []);
    expect(linked.verification?.[0]?.evidence).toMatchObject({ kind: "check", passed: false });
    expect(linked.verificationNotes).toEqual(['"the tests pass": the test check (npm test) failed after the change']);
  });

  it("reads each command of a shell call, with its result's seq", () => {
    expect(commandRuns(events).map((r) => [r.command, r.eventSeq])).toEqual([
      ["npm test", 2],
      ["cat x", 2],
      ["npm  test", 4],
    ]);
  });
});
