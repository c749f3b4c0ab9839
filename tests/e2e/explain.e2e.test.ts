import type { ChangeExplanation, JobEvent, VerificationLink } from "@patchbay/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  exampleScript,
  fixtureRepo,
  type JobJson,
  type Stack,
  startStack,
  streamEvents,
  submit,
  waitTerminal,
} from "./stack.js";

// Explaining the change: the agent's explain_change call (what, where, why, and claims of
// verification) is validated, and each claim is tied to the check or command of the job that
// showed it; claims naming nothing the job ran are dropped with a note.

const explain = (args: unknown) => ({ type: "function_call", name: "explain_change", arguments: JSON.stringify(args) });
const EXPLANATION = {
  what: "Free shipping is decided on the discounted amount, from exactly 50.00 on.",
  where: ["src/cart.js"],
  why: "total() compared the subtotal before the discount, with > instead of >=.",
  verification: [
    { claim: "All 4 tests pass", evidence: { kind: "check", name: "test" } },
    { claim: "npm test passes after the fix", evidence: { kind: "command", command: "npm test" } },
    { claim: "src/cart.js parses", evidence: { kind: "check", name: "lint" } },
    { claim: "Types check", evidence: { kind: "check", name: "typecheck" } },
    { claim: "It is faster", evidence: { kind: "command", command: "npm run bench" } },
  ],
};

let stack: Stack;
const repo = fixtureRepo();

beforeAll(async () => {
  const fix = await exampleScript("fix-cart-bug");
  stack = await startStack({
    "fix-and-explain": {
      turns: [
        ...fix.turns.slice(0, 3),
        { output: [explain({ ...EXPLANATION, why: "" })] },
        { output: [explain(EXPLANATION)] },
        fix.turns[3]!,
      ],
    },
  });
});

afterAll(async () => {
  await stack?.close();
  repo.remove();
});

type Explained = JobJson & {
  result: JobJson["result"] & {
    explanation?: ChangeExplanation;
    verification?: VerificationLink[];
    verificationNotes?: string[];
  };
};

describe("explaining the change", () => {
  it("links each claim of verification to the check or command that showed it", async () => {
    const spec = { repo: { url: repo.url }, task: "The cart tests fail. Fix it.", model: "script:fix-and-explain" };
    const job = (await waitTerminal(stack.api, (await submit(stack.api, spec)).job.id, 120_000)) as Explained;
    expect(job.status, JSON.stringify(job.error)).toBe("succeeded");
    const { explanation, verification, verificationNotes } = job.result;

    expect(explanation).toEqual({ what: EXPLANATION.what, where: EXPLANATION.where, why: EXPLANATION.why });
    expect(verification?.map((v) => [v.claim, v.evidence.kind])).toEqual([
      ["All 4 tests pass", "check"],
      ["npm test passes after the fix", "command"],
      ["src/cart.js parses", "check"],
    ]);
    expect(verification?.[0]?.evidence).toEqual({ kind: "check", name: "test", command: "npm test", passed: true });
    expect(verificationNotes).toEqual([
      'dropped "Types check": no check "typecheck" ran after the change',
      'dropped "It is faster": the agent never ran `npm run bench`',
    ]);

    // The command's evidence is the tool_result of the agent's last `npm test`, which passed.
    const evidence = verification?.[1]?.evidence;
    if (evidence?.kind !== "command") throw new Error("expected command evidence");
    const events = await streamEvents(stack.api, job.id);
    const result = events.find((e) => e.seq === evidence.eventSeq) as Extract<JobEvent, { type: "tool_result" }>;
    expect(result.type).toBe("tool_result");
    expect(result.data).toMatchObject({ tool: "shell", exitCode: 0 });
    const call = events.find((e) => e.type === "tool_call" && e.data.callId === result.data.callId);
    expect(JSON.stringify(call?.data)).toContain('"commands":["npm test"]');

    // The malformed call went back to the model as an error, and it sent the call again.
    const rejected = events.filter((e) => e.type === "tool_result" && e.data.tool === "explain_change");
    expect(rejected.map((e) => (e as Extract<JobEvent, { type: "tool_result" }>).data.ok)).toEqual([false, true]);
  }, 180_000);
});
