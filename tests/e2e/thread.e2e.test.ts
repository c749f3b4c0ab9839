import { execFile, execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
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

// Follow-ups: a thread of three jobs, each starting from the one before's final tree with its
// conversation; cumulative and per-step patches both apply; a running job cannot be followed up.

const TASK = "The cart tests fail. Fix src/cart.js.";
const STEP_TWO = "Also write NOTES.md saying what you fixed.";
const STEP_THREE = "Add a line about the tests to NOTES.md.";
const CLI = path.resolve(import.meta.dirname, "../../apps/cli/bin/patchbay.mjs");
// The scripted server answers turn k of a script for a request carrying k-1 earlier model turns,
// and a follow-up's request carries the parent's turns: these fill the turns the parents played.
const pad = (n: number) => Array.from({ length: n }, () => ({ output: [{ type: "message", content: "unused" }] }));

let stack: Stack;
const repo = fixtureRepo();
const dirs: string[] = [];

beforeAll(async () => {
  stack = await startStack({
    "fix-cart-bug": await exampleScript("fix-cart-bug"),
    "step-two": {
      turns: [
        ...pad(4),
        {
          output: [
            { type: "shell_call", action: { commands: ["grep -c 'discounted >= FREE_SHIPPING_FROM' src/cart.js"] } },
            {
              type: "apply_patch_call",
              operation: { type: "create_file", path: "NOTES.md", diff: "+Fixed free shipping.\n" },
            },
          ],
        },
        { output: [{ type: "message", content: "wrote NOTES.md" }] },
      ],
    },
    "step-three": {
      turns: [
        ...pad(6),
        {
          output: [
            {
              type: "apply_patch_call",
              operation: {
                type: "update_file",
                path: "NOTES.md",
                diff: "@@\n Fixed free shipping.\n+All 4 tests pass.\n",
              },
            },
          ],
        },
        { output: [{ type: "message", content: "added the tests line" }] },
      ],
    },
    "slow-shell": { turns: [{ output: [{ type: "shell_call", action: { commands: ["sleep 20"] } }] }] },
  });
});

afterAll(async () => {
  await stack.close();
  repo.remove();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function post(route: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${stack.api}${route}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

const text = async (route: string) => (await fetch(`${stack.api}${route}`)).text();

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const env = { ...process.env, PATCHBAY_URL: stack.api, PATCHBAY_API_KEY: stack.key };
    execFile("node", [CLI, ...args], { env, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === "number" ? err.code : 99) : 0, stdout, stderr });
    });
  });
}

/** The `input` of the first Responses request of a script. */
function firstInput(model: string): Array<Record<string, unknown>> {
  const request = stack.model.requests.find(
    (r) => r.path === "/v1/responses" && (r.body as { model?: string } | undefined)?.model === model,
  );
  if (!request) throw new Error(`no request for ${model}`);
  return (request.body as { input: Array<Record<string, unknown>> }).input;
}

/** Whether `patch` applies with `git apply` on a clone of the fixture after `first` is applied. */
function applies(patch: string, first?: string): void {
  const dir = mkdtempSync(path.join(tmpdir(), "patchbay-thread-"));
  dirs.push(dir);
  execFileSync("git", ["clone", "-q", repo.dir, dir]);
  for (const [i, p] of [first, patch].entries()) {
    if (p === undefined) continue;
    writeFileSync(path.join(dir, `${i}.diff`), p);
    execFileSync("git", ["apply", `${i}.diff`], { cwd: dir });
  }
}

describe("a thread of follow-ups", () => {
  let first: JobJson;
  let second: JobJson;

  it("step two starts from the parent's tree with its conversation; both patches apply", async () => {
    const { job } = await submit(stack.api, { repo: { url: repo.url }, task: TASK, model: "script:fix-cart-bug" });
    first = await waitTerminal(stack.api, job.id, 120_000);
    expect(first.status).toBe("succeeded");

    const created = await post(`/v1/jobs/${first.id}/follow-ups`, { task: STEP_TWO, model: "script:step-two" });
    expect(created.status).toBe(202);
    expect(created.body).toMatchObject({ parentId: first.id, rootId: first.id });
    second = await waitTerminal(stack.api, created.body.id as string, 120_000);
    expect(second.status, JSON.stringify(second.error)).toBe("succeeded");

    const input = firstInput("script:step-two");
    expect(input[0]).toEqual({ role: "user", content: TASK });
    expect(JSON.stringify(input)).toContain("Shipping is decided on the subtotal before the discount");
    expect(input.some((item) => item.type === "shell_call_output")).toBe(true);
    expect(input.at(-1)).toEqual({ role: "user", content: STEP_TWO });

    const events = await streamEvents(stack.api, second.id);
    const grep = events.find((e): e is Extract<JobEvent, { type: "tool_result" }> => e.type === "tool_result");
    expect(grep?.data.output).toMatch(/^1$/m);

    const cumulative = await text(`/v1/jobs/${second.id}/patch`);
    const step = await text(`/v1/jobs/${second.id}/patch?since=parent`);
    expect(cumulative).toContain("+  const shipping = discounted >= FREE_SHIPPING_FROM ? 0 : SHIPPING;");
    expect(cumulative).toContain("+Fixed free shipping.");
    expect(step).toContain("+Fixed free shipping.");
    expect(step).not.toContain("src/cart.js");
    applies(cumulative);
    applies(step, await text(`/v1/jobs/${first.id}/patch`));
  }, 300_000);

  it("step three (CLI follow-up --wait) continues the whole thread, listed by /thread", async () => {
    const run = await cli(["follow-up", second.id, STEP_THREE, "--model", "script:step-three", "--wait", "--json"]);
    expect(run.code, run.stderr).toBe(0);
    const third = JSON.parse(run.stdout) as JobJson & { parentId: string; rootId: string };
    expect(third).toMatchObject({ status: "succeeded", parentId: second.id, rootId: first.id });

    const input = JSON.stringify(firstInput("script:step-three"));
    for (const said of [TASK, STEP_TWO, "wrote NOTES.md", STEP_THREE]) expect(input).toContain(said);
    const cumulative = await text(`/v1/jobs/${third.id}/patch`);
    expect(cumulative).toContain("+All 4 tests pass.");
    expect(cumulative).toContain("src/cart.js");
    applies(cumulative);

    const thread = JSON.parse(await text(`/v1/jobs/${third.id}/thread`)) as { rootId: string; data: JobJson[] };
    expect(thread.rootId).toBe(first.id);
    expect(thread.data.map((j) => j.id)).toEqual([first.id, second.id, third.id]);
    const since = await fetch(`${stack.api}/v1/jobs/${first.id}/patch?since=parent`);
    expect(since.status).toBe(409);
  }, 300_000);

  it("refuses to follow up a running job with a 409 that says why", async () => {
    const { job } = await submit(stack.api, { repo: { url: repo.url }, task: "wait", model: "script:slow-shell" });
    const end = Date.now() + 60_000;
    while (((await (await fetch(`${stack.api}/v1/jobs/${job.id}`)).json()) as JobJson).status !== "running") {
      if (Date.now() > end) throw new Error("the job never ran");
      await new Promise((r) => setTimeout(r, 100));
    }
    const refused = await post(`/v1/jobs/${job.id}/follow-ups`, { task: "more" });
    expect(refused.status).toBe(409);
    expect(JSON.stringify(refused.body)).toContain("still running");
    await post(`/v1/jobs/${job.id}/cancel`, {});
    await waitTerminal(stack.api, job.id, 60_000);
  }, 120_000);
});
