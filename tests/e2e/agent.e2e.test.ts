import type { JobEvent } from "@patchbay/core";
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

// The agent loop through the whole stack: both protocols, replay of a stored trajectory, the
// API key kept out of the sandbox and the event log, a cost budget and a failing endpoint.

const TASK = "The cart tests fail. Fix src/cart.js.";
const KEY = "sk-test-key-never-in-sandbox";
const USAGE = { input_tokens: 1000, input_tokens_details: { cached_tokens: 0 }, output_tokens: 100 };

let stack: Stack;
const repo = fixtureRepo();

beforeAll(async () => {
  stack = await startStack(
    {
      "fix-cart-bug": await exampleScript("fix-cart-bug"),
      "key-probe": {
        turns: [
          {
            output: [
              {
                type: "shell_call",
                // The key is looked for in pieces, so that the command itself does not carry it.
                action: {
                  commands: [
                    "env; tr '\\0' '\\n' < /proc/self/environ",
                    'K=sk-test-key-never; echo "files-with-key=$(grep -rl "$K-in-sandbox" /workspace /tmp /home /root /etc /opt /usr/local 2>/dev/null | wc -l)"',
                  ],
                },
              },
            ],
          },
          { output: [{ type: "message", content: "probed" }] },
        ],
      },
      spender: {
        turns: [
          {
            output: [
              { type: "apply_patch_call", operation: { type: "create_file", path: "NOTES.md", diff: "+notes\n" } },
            ],
            usage: USAGE,
          },
          { output: [{ type: "shell_call", action: { commands: ["ls"] } }], usage: USAGE },
          { output: [{ type: "message", content: "unreachable" }], usage: USAGE },
        ],
      },
      overloaded: { turns: [{ status: 503, failures: 100, output: [{ type: "message", content: "never" }] }] },
    },
    {
      PATCHBAY_MODEL_MAX_RETRIES: "2",
      PATCHBAY_MODEL_PRICES: JSON.stringify({ "script:spender": { input: 1, cachedInput: 0.1, output: 10 } }),
    },
  );
});

afterAll(async () => {
  await stack.close();
  repo.remove();
});

async function runJob(spec: Record<string, unknown>): Promise<JobJson> {
  const { job } = await submit(stack.api, { repo: { url: repo.url }, task: TASK, ...spec });
  return waitTerminal(stack.api, job.id, 120_000);
}

async function patchOf(id: string): Promise<string> {
  return (await fetch(`${stack.api}/v1/jobs/${id}/patch`)).text();
}

/** The conversation of each recorded request to `path` for `model`. */
function conversations(path: string, model: string): unknown[][] {
  return stack.model.requests
    .filter((r) => r.path === path && (r.body as { model?: string }).model === model)
    .map((r) => {
      const body = r.body as { input?: unknown[]; messages?: unknown[] };
      return (body.input ?? body.messages) as unknown[];
    });
}

function expectStablePrefix(requests: unknown[][]): void {
  expect(requests.length).toBeGreaterThan(1);
  for (let k = 1; k < requests.length; k++) {
    const previous = requests[k - 1] ?? [];
    expect(requests[k]?.slice(0, previous.length)).toEqual(previous);
  }
}

describe("the agent loop end to end", () => {
  let responsesJob: JobJson;

  it("completes the demo job over the Responses API with a stable request prefix", async () => {
    responsesJob = await runJob({ model: "script:fix-cart-bug" });
    expect(responsesJob.error).toBeNull();
    expect(responsesJob.status).toBe("succeeded");
    expect(responsesJob.result?.checks.passed).toBe(true);
    expect(await patchOf(responsesJob.id)).toContain(
      "+  const shipping = discounted >= FREE_SHIPPING_FROM ? 0 : SHIPPING;",
    );
    expectStablePrefix(conversations("/v1/responses", "script:fix-cart-bug"));
  });

  it("completes the demo job over Chat Completions with the same patch", async () => {
    const job = await runJob({ model: "chat:script:fix-cart-bug" });
    expect(job.error).toBeNull();
    expect(job.status).toBe("succeeded");
    expect(job.result?.checks.passed).toBe(true);
    expect(await patchOf(job.id)).toBe(await patchOf(responsesJob.id));
    expectStablePrefix(conversations("/v1/chat/completions", "script:fix-cart-bug"));
  });

  it("replays a finished job's trajectory to the same patch", async () => {
    const res = await fetch(`${stack.api}/v1/jobs/${responsesJob.id}/trajectory`);
    expect(res.status).toBe(200);
    const trajectory = (await res.json()) as { turns: unknown[] };
    expect(trajectory.turns).toHaveLength(4);
    const name = `replay-${responsesJob.id}`;
    const posted = await fetch(`${stack.model.url}/scripts/${name}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(trajectory),
    });
    expect(posted.status).toBe(200);
    const replay = await runJob({ model: `script:${name}` });
    expect(replay.status).toBe("succeeded");
    expect(await patchOf(replay.id)).toBe(await patchOf(responsesJob.id));
    expect(replay.result?.usage).toMatchObject({ turns: 4, inputTokens: responsesJob.result?.usage.inputTokens });
  });

  it("keeps the API key out of the container and out of the stored events", async () => {
    const job = await runJob({ model: "script:key-probe" });
    expect(job.status).toBe("succeeded");
    const events: JobEvent[] = await streamEvents(stack.api, job.id);
    const result = events.find((e) => e.type === "tool_result");
    expect(result?.type === "tool_result" && result.data.output).toContain("files-with-key=0");
    expect(result?.type === "tool_result" && result.data.output).toContain("PATH=");
    expect(JSON.stringify(events)).not.toContain(KEY);
    const trajectory = await (await fetch(`${stack.api}/v1/jobs/${job.id}/trajectory`)).text();
    expect(trajectory).not.toContain(KEY);
    // The key was in use all along: the worker sent it to the model endpoint.
    const probe = stack.model.requests.filter(
      (r) => (r.body as { model?: string } | undefined)?.model === "script:key-probe",
    );
    expect(probe.every((r) => r.headers.authorization === `Bearer ${KEY}`)).toBe(true);
  });

  it("stops at maxCostUsd: failed/budget_exceeded at the right turn, cost and patch kept", async () => {
    // $0.002 a turn: a $0.003 budget is used up after turn 2, before turn 3 is asked for.
    const job = (await runJob({
      model: "script:spender",
      limits: { maxTurns: 10, maxCostUsd: 0.003, timeoutSec: 600 },
    })) as JobJson & {
      result: { usage: { estimatedCostUsd: number | null } };
    };
    expect(job.status).toBe("failed");
    expect(job.error?.code).toBe("budget_exceeded");
    expect(job.result?.usage).toMatchObject({ turns: 2, estimatedCostUsd: 0.004 });
    expect(await patchOf(job.id)).toContain("+notes");
    expect(conversations("/v1/responses", "script:spender")).toHaveLength(2);
  });

  it("ends as error/model_unavailable when the endpoint keeps failing, after the retries", async () => {
    const job = await runJob({ model: "script:overloaded" });
    expect(job.status).toBe("error");
    expect(job.error).toMatchObject({ code: "model_unavailable", retryable: true });
    expect(job.error?.message).toContain("503");
    expect(conversations("/v1/responses", "script:overloaded")).toHaveLength(3);
  });
});
