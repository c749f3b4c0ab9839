import { JobEventRepository } from "@patchbay/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { containersFor, fixtureRepo, type Stack, startStack, submit, waitTerminal } from "./stack.js";

let stack: Stack;
const repo = fixtureRepo();

beforeAll(async () => {
  stack = await startStack({ done: { turns: [{ output: [{ type: "message", content: "done" }] }] } });
});

afterAll(async () => {
  await stack.close();
  repo.remove();
});

describe("a job naming a model the endpoint does not serve", () => {
  it("fails as model_error within seconds, before setup and baseline, and never calls the model", async () => {
    const started = Date.now();
    const { job } = await submit(stack.api, { repo: { url: repo.url }, task: "anything", model: "script:nope" });
    const done = await waitTerminal(stack.api, job.id, 30_000);
    const took = Date.now() - started;
    expect(done.status).toBe("error");
    expect(done.error?.code).toBe("model_error");
    expect(done.error?.message).toContain("does not serve model script:nope");
    expect(took).toBeLessThan(15_000);

    const events = await new JobEventRepository(stack.db).listAfter(job.id, 0, 10_000);
    const phases = events.flatMap((e) => (e.type === "status" && e.data.phase ? [e.data.phase] : []));
    expect(phases).not.toContain("setup");
    expect(phases).not.toContain("baseline");
    expect(events.some((e) => e.type === "check")).toBe(false);
    expect(stack.model.requests.some((r) => r.path === "/v1/models/script:nope")).toBe(true);
    expect(stack.model.requests.some((r) => r.method === "POST")).toBe(false);
    expect(containersFor(job.id)).toEqual([]);
  });
});
