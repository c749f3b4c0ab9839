import { execFile, execFileSync } from "node:child_process";
import { appendFileSync } from "node:fs";
import path from "node:path";
import type { ReviewResult } from "@patchbay/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixtureRepo, type JobJson, type Stack, startStack, submit, waitTerminal } from "./stack.js";

// Review jobs: the model sees base..head of a fixture repository with a planted bug and reports
// through report_findings; malformed reports go back to it as tool errors and are never stored;
// `patchbay review` prints the findings like a linter and its exit code follows --fail-on.

const CLI = path.resolve(import.meta.dirname, "../../apps/cli/bin/patchbay.mjs");
const PLANTED = "  return items.reduce((n, item) => n + item.quantity, 1);";
const report = (args: unknown) => ({ type: "function_call", name: "report_findings", arguments: JSON.stringify(args) });
const bug = {
  file: "src/cart.js",
  startLine: 23,
  endLine: 23,
  priority: "P1",
  title: "itemCount starts counting at 1",
  body: "The reduce starts at 1, so an empty cart has one item. Start at 0.",
  confidence: 0.9,
};
const nit = { ...bug, startLine: 21, endLine: 21, priority: "P3", title: "doc comment says quantity", confidence: 0.4 };

let stack: Stack;
const repo = fixtureRepo();

beforeAll(async () => {
  // The change under review: a branch adding a function with an off-by-one.
  const git = (...args: string[]) => execFileSync("git", args, { cwd: repo.dir, encoding: "utf8" });
  git("checkout", "-q", "-b", "feature");
  appendFileSync(
    path.join(repo.dir, "src/cart.js"),
    `\n/** Number of items in the cart, quantity included. */\nexport function itemCount(items) {\n${PLANTED}\n}\n`,
  );
  git("-c", "user.name=t", "-c", "user.email=t@localhost", "commit", "-qam", "itemCount");
  git("checkout", "-q", "main");
  stack = await startStack({
    "review-cart": {
      turns: [
        { output: [{ type: "shell_call", action: { commands: ["sed -n 20,24p src/cart.js"] } }] },
        // Malformed: a priority that does not exist and no confidence.
        {
          output: [
            report({
              verdict: "needs_changes",
              explanation: "bug",
              findings: [{ ...bug, priority: "high", confidence: undefined }],
            }),
          ],
        },
        // Well-formed but past the end of the file at the head.
        { output: [report({ verdict: "needs_changes", explanation: "bug", findings: [{ ...bug, endLine: 99 }] })] },
        {
          output: [report({ verdict: "needs_changes", explanation: "itemCount is off by one.", findings: [nit, bug] })],
        },
        { output: [{ type: "message", content: "One P1: itemCount counts one item too many." }] },
      ],
    },
    "review-silent": { turns: [{ output: [{ type: "message", content: "Looks fine." }] }] },
  });
});

afterAll(async () => {
  await stack?.close();
  repo.remove();
});

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const env = { ...process.env, PATCHBAY_URL: stack.api, PATCHBAY_API_KEY: stack.key };
    execFile("node", [CLI, ...args], { env, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === "number" ? err.code : 99) : 0, stdout, stderr });
    });
  });
}

type ReviewJob = JobJson & { result: (JobJson["result"] & { review?: ReviewResult }) | null };

const requestsOf = (model: string) =>
  stack.model.requests.filter((r) => r.path === "/v1/responses" && (r.body as { model?: string })?.model === model);

/** A review of the feature branch against main, answered by the scripted `model`. */
const reviewSpec = (model: string, task: string) => ({
  kind: "review",
  repo: { url: repo.url },
  review: { base: "main", head: "feature" },
  task,
  model,
});

describe("review jobs", () => {
  it("refuses a review without what to review with a 400 that says what to fix", async () => {
    const { status, job } = await submit(stack.api, { kind: "review", repo: { url: repo.url }, task: "review" });
    expect(status).toBe(400);
    expect(JSON.stringify(job)).toContain("a review job needs review");
  });

  it("shows the model the diff, retries malformed reports and stores the validated findings", async () => {
    const { status, job } = await submit(stack.api, reviewSpec("script:review-cart", "Check the new function."));
    expect(status).toBe(202);
    const done = (await waitTerminal(stack.api, job.id, 120_000)) as ReviewJob;
    expect(done.status, JSON.stringify(done.error)).toBe("succeeded");

    const review = done.result?.review;
    expect(review?.verdict).toBe("needs_changes");
    expect(review?.findings).toEqual([nit, bug]);
    expect(review?.head).toBe(
      execFileSync("git", ["rev-parse", "feature"], { cwd: repo.dir, encoding: "utf8" }).trim(),
    );
    expect(review?.base).toBe(repo.head);

    const requests = requestsOf("script:review-cart");
    const first = JSON.stringify(requests[0]?.body);
    expect(first).toContain(`+${PLANTED}`.replaceAll('"', '\\"'));
    expect(first).toContain('"name":"report_findings"');
    const outputs = (n: number) =>
      ((requests[n]?.body ?? { input: [] }) as { input: Array<{ type?: string; output?: unknown }> }).input
        .filter((i) => i.type === "function_call_output")
        .map((i) => String(i.output));
    expect(outputs(2).at(-1)).toContain("Could not record the review");
    expect(outputs(2).at(-1)).toContain("priority must be one of P0, P1, P2, P3");
    expect(outputs(3).at(-1)).toContain("src/cart.js has 24 lines at the head, not 99");
    expect(outputs(4).at(-1)).toContain("Review recorded: needs_changes, 2 finding(s)");

    // A review is not continued as a follow-up: the 409 says what to do instead.
    const followUp = await fetch(`${stack.api}/v1/jobs/${done.id}/follow-ups`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ task: "Now fix it." }),
    });
    expect(followUp.status).toBe(409);
    expect(await followUp.text()).toContain("submit a change job at its head");
  }, 180_000);

  it("fails a review whose model never reports, instead of storing an empty one", async () => {
    const { job } = await submit(stack.api, reviewSpec("script:review-silent", "review"));
    const done = (await waitTerminal(stack.api, job.id, 120_000)) as ReviewJob;
    expect(done.status).toBe("failed");
    expect(done.error?.code).toBe("review_not_reported");
    expect(done.result?.review).toBeUndefined();
  }, 180_000);

  it("patchbay review prints findings like a linter; the exit code follows --fail-on", async () => {
    const args = ["review", "--repo", repo.url, "--base", "main", "--head", "feature", "--model", "script:review-cart"];
    const strict = await cli([...args, "--fail-on", "P1", "--wait", "--quiet"]);
    expect(strict.code, strict.stderr).toBe(1);
    const lines = strict.stdout.trim().split("\n");
    expect(lines[0]).toBe("src/cart.js:23 P1 itemCount starts counting at 1");
    expect(lines[1]).toBe("src/cart.js:21 P3 doc comment says quantity");
    expect(lines[2]).toMatch(/^needs_changes \(2 findings, [0-9a-f]{12}\.\.[0-9a-f]{12}\): itemCount is off by one\.$/);

    const lenient = await cli([...args, "--fail-on", "P0", "--wait", "--quiet"]);
    expect(lenient.code, lenient.stderr).toBe(0);
    expect(lenient.stdout).toContain("src/cart.js:23 P1 itemCount starts counting at 1");

    const bad = await cli([...args, "--fail-on", "P9"]);
    expect(bad.code).toBe(3);
    expect(bad.stderr).toContain("--fail-on must be one of P0, P1, P2, P3");
  }, 300_000);
});
