import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exampleScript, fixtureRepo, type JobJson, type Stack, startStack, submit, waitTerminal } from "./stack.js";

// Follow-ups beyond the happy path: a follow-up that fails keeps its own step's change
// (patch?since=parent), and a follow-up of an `ask` job continues the conversation read-only.

const QUESTION = "Where is free shipping decided?";
const FOLLOW_QUESTION = "And which constant sets the shipping price?";
// The scripted server answers turn k for a request carrying k-1 earlier model turns; a
// follow-up's request carries its parent's turns, which these fill.
const pad = (n: number) => Array.from({ length: n }, () => ({ output: [{ type: "message", content: "unused" }] }));

let stack: Stack;
const repo = fixtureRepo();

beforeAll(async () => {
  stack = await startStack({
    "fix-cart-bug": await exampleScript("fix-cart-bug"),
    // One turn that writes NOTES.md, then more work than maxTurns 1 allows.
    "notes-then-over-budget": {
      turns: [
        ...pad(4),
        {
          output: [
            {
              type: "apply_patch_call",
              operation: { type: "create_file", path: "NOTES.md", diff: "+Half done.\n" },
            },
          ],
        },
        { output: [{ type: "message", content: "never reached" }] },
      ],
    },
    "ask-first": {
      turns: [
        { output: [{ type: "shell_call", action: { commands: ["grep -n FREE_SHIPPING_FROM src/cart.js"] } }] },
        { output: [{ type: "message", content: "In total() in src/cart.js (lines 14-19)." }] },
      ],
    },
    "ask-second": {
      turns: [
        ...pad(2),
        {
          output: [
            // An ask job changes nothing that is kept, follow-up or not.
            { type: "apply_patch_call", operation: { type: "create_file", path: "STRAY.md", diff: "+stray\n" } },
          ],
        },
        { output: [{ type: "message", content: "SHIPPING, in src/cart.js line 6." }] },
      ],
    },
  });
});

afterAll(async () => {
  await stack?.close();
  repo.remove();
});

async function post(route: string, body: unknown): Promise<{ status: number; body: JobJson }> {
  const res = await fetch(`${stack.api}${route}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as JobJson };
}

const get = (route: string) => fetch(`${stack.api}${route}`);

/** The `input` of the first Responses request of a script. */
function firstInput(model: string): Array<Record<string, unknown>> {
  const request = stack.model.requests.find(
    (r) => r.path === "/v1/responses" && (r.body as { model?: string } | undefined)?.model === model,
  );
  if (!request) throw new Error(`no request for ${model}`);
  return (request.body as { input: Array<Record<string, unknown>> }).input;
}

describe("follow-ups that fail, and follow-ups of ask jobs", () => {
  it("a failed follow-up keeps its step's change: patch?since=parent is only what it did", async () => {
    const { job } = await submit(stack.api, { repo: { url: repo.url }, task: "fix", model: "script:fix-cart-bug" });
    const parent = await waitTerminal(stack.api, job.id, 120_000);
    expect(parent.status).toBe("succeeded");

    const created = await post(`/v1/jobs/${parent.id}/follow-ups`, {
      task: "Write NOTES.md and more.",
      model: "script:notes-then-over-budget",
      limits: { maxTurns: 1 },
    });
    expect(created.status).toBe(202);
    const failed = await waitTerminal(stack.api, created.body.id, 120_000);
    expect(failed.status).toBe("failed");
    expect(failed.error?.code).toBe("budget_exceeded");

    const step = await get(`/v1/jobs/${failed.id}/patch?since=parent`);
    expect(step.status).toBe(200);
    const stepText = await step.text();
    expect(stepText).toContain("+Half done.");
    expect(stepText).not.toContain("src/cart.js");
    const whole = await (await get(`/v1/jobs/${failed.id}/patch`)).text();
    expect(whole).toContain("+Half done.");
    expect(whole).toContain("src/cart.js");
  }, 300_000);

  it("a follow-up of an ask job continues the conversation, read-only", async () => {
    const spec = { kind: "ask", repo: { url: repo.url }, task: QUESTION, model: "script:ask-first" };
    const asked = await waitTerminal(stack.api, (await submit(stack.api, spec)).job.id, 120_000);
    expect(asked.status, JSON.stringify(asked.error)).toBe("succeeded");

    const created = await post(`/v1/jobs/${asked.id}/follow-ups`, {
      task: FOLLOW_QUESTION,
      model: "script:ask-second",
    });
    expect(created.status).toBe(202);
    const answer = (await waitTerminal(stack.api, created.body.id, 120_000)) as JobJson & {
      spec: { kind?: string };
    };
    expect(answer.status, JSON.stringify(answer.error)).toBe("succeeded");
    expect(answer.spec.kind).toBe("ask");
    expect(answer.result?.summary).toBe("SHIPPING, in src/cart.js line 6.");

    const input = firstInput("script:ask-second");
    expect(input[0]).toEqual({ role: "user", content: QUESTION });
    expect(JSON.stringify(input)).toContain("In total() in src/cart.js (lines 14-19).");
    const last = String(input.at(-1)?.content);
    expect(last).toContain(FOLLOW_QUESTION);
    expect(last).toContain("This is a\nread-only job");

    // What it wrote is not kept: no patch, and nothing of it in the thread's change.
    expect((await get(`/v1/jobs/${answer.id}/patch`)).status).toBe(409);
    expect(answer.result?.patchStats).toEqual({ files: 0, insertions: 0, deletions: 0 });
  }, 300_000);
});
