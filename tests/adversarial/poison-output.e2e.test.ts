import { isStorableText } from "@patchbay/core";
import type { ModelScript } from "@patchbay/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixtureRepo, type Stack, startStack, streamEvents, submit, waitTerminal } from "../e2e/stack.js";

const say = (text: string) => ({ type: "message", role: "assistant", content: [{ type: "output_text", text }] });
const shell = (...commands: string[]) => ({ type: "shell_call", action: { commands } });

const SCRIPTS: Record<string, ModelScript> = {
  // A NUL byte in a command's output, and NUL and a lone surrogate in the model's own words.
  "nul-output": {
    turns: [{ output: [shell("printf 'before\\000after'")] }, { output: [say("done: before\u0000after \ud800 end")] }],
  },
  plain: { turns: [{ output: [say("nothing to do")] }] },
};

let stack: Stack;
const repo = fixtureRepo();

beforeAll(async () => {
  // One job at a time: a wedged slot would starve the second job.
  stack = await startStack(SCRIPTS, { PATCHBAY_WORKER_CONCURRENCY: "1", PATCHBAY_SANDBOX_POOL_SIZE: "0" });
});

afterAll(async () => {
  await stack.close();
  repo.remove();
});

describe("poison output (NUL bytes, lone surrogates)", () => {
  it("stores the job's events with the bad characters replaced, finishes on time, and the worker serves the next job", async () => {
    const { job } = await submit(stack.api, {
      repo: { url: repo.url },
      task: "print a NUL byte",
      model: "script:nul-output",
      // A test whose output carries a NUL byte too.
      checks: { test: "printf 'test\\000output\\n'" },
      limits: { timeoutSec: 60, maxTurns: 5 },
    });
    const done = await waitTerminal(stack.api, job.id, 90_000);
    // Succeeded, so it finished before its 60 s deadline (a wedged job stays running forever).
    expect(done.status).toBe("succeeded");
    // Neither the stored summary nor any stored event holds a NUL or a lone surrogate.
    expect(done.result?.summary).toContain("before\uFFFDafter");
    expect(isStorableText(done.result?.summary ?? "")).toBe(true);
    const events = await streamEvents(stack.api, job.id);
    const text = JSON.stringify(events);
    expect(text).not.toContain("\\u0000");
    const logs = events.flatMap((e) => (e.type === "log" ? [e.data.text] : [])).join("");
    expect(logs).toContain("before\uFFFDafter");
    expect(logs).toContain("test\uFFFDoutput");
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));

    const next = await submit(stack.api, { repo: { url: repo.url }, task: "nothing", model: "script:plain" });
    expect((await waitTerminal(stack.api, next.job.id, 60_000)).status).toBe("succeeded");
  }, 180_000);
});
