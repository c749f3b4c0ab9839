import { randomUUID } from "node:crypto";
import { ProjectRepository } from "@patchbay/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixtureRepo, rawFetch, type Stack, startStack, streamEvents, submit, waitTerminal } from "./stack.js";

const SECRET = `tok-${randomUUID()}`;
const done = { type: "message", role: "assistant", content: [{ type: "output_text", text: "done" }] };
let stack: Stack;
const repo = fixtureRepo();

beforeAll(async () => {
  stack = await startStack({
    "echo-env": {
      turns: [
        {
          output: [
            {
              type: "shell_call",
              action: { commands: ['echo "agent sees [$DEPLOY_TOKEN]"; cat .token 2>/dev/null || true'] },
            },
          ],
        },
        { output: [done] },
      ],
    },
    sleepy: {
      turns: [{ output: [{ type: "shell_call", action: { commands: ["sleep 2"] } }] }, { output: [done] }],
    },
  });
  const res = await fetch(`${stack.api}/v1/projects/${stack.projectId}/secrets/DEPLOY_TOKEN`, {
    method: "PUT",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ value: SECRET }),
  });
  expect(res.status).toBe(200);
});

afterAll(async () => {
  await stack.close();
  repo.remove();
});

/** Sets the project's own setup commands, the only ones that get secrets (admin key). */
async function projectSetup(setup: string[], setupSecrets: string[]): Promise<void> {
  const res = await fetch(`${stack.api}/v1/projects/${stack.projectId}/environment`, {
    method: "PUT",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ setup, setupSecrets }),
  });
  expect(res.status).toBe(200);
}

describe("project secrets in a job", () => {
  afterAll(() => projectSetup([], []));

  it("reach only the project's own setup commands, are redacted from stored events, and never reach the JobSpec's setup or the agent", async () => {
    // printf in two halves: the secret arrives split across output chunks.
    await projectSetup(
      [
        `echo "token=$DEPLOY_TOKEN"; printf '%s' "\${DEPLOY_TOKEN:0:9}"; sleep 0.3; printf '%s\\n' "\${DEPLOY_TOKEN:9}"; test -n "$DEPLOY_TOKEN"`,
      ],
      ["DEPLOY_TOKEN"],
    );
    const { job } = await submit(stack.api, {
      repo: { url: repo.url },
      task: "show the environment",
      model: "script:echo-env",
      setup: ['echo "spec setup sees [$DEPLOY_TOKEN]"'],
      checks: { test: "true" },
    });
    const finished = await waitTerminal(stack.api, job.id, 180_000);
    expect(finished.error).toBeNull();
    expect(finished.status).toBe("succeeded");
    const events = await streamEvents(stack.api, job.id);
    const all = JSON.stringify(events);
    expect(all).not.toContain(SECRET);
    expect(all).not.toContain(SECRET.slice(0, 9));
    const setupLogs = events.flatMap((e) => (e.type === "log" && e.data.phase === "setup" ? [e.data.text] : []));
    expect(setupLogs.join("")).toContain("token=[redacted]");
    expect(setupLogs.join("")).toContain("spec setup sees []");
    const agentOutput = events.flatMap((e) => (e.type === "tool_result" ? [e.data.output] : [])).join("");
    expect(agentOutput).toContain("agent sees []");
  }, 240_000);

  it("are scrubbed from a failed setup command's error message", async () => {
    await projectSetup(['echo "bad token $DEPLOY_TOKEN" >&2; exit 3'], ["DEPLOY_TOKEN"]);
    const { job } = await submit(stack.api, { repo: { url: repo.url }, task: "never runs", model: "script:echo-env" });
    const finished = await waitTerminal(stack.api, job.id, 180_000);
    expect(finished.status).toBe("failed");
    expect(finished.error?.code).toBe("setup_failed");
    expect(finished.error?.message).toContain("bad token [redacted]");
    expect(JSON.stringify(await streamEvents(stack.api, job.id))).not.toContain(SECRET);
  }, 240_000);
});

describe("per-project concurrency", () => {
  it("runs a project's jobs one at a time when its limit is 1; the others wait queued", async () => {
    const projects = new ProjectRepository(stack.db);
    await projects.setLimits(stack.projectId, { maxRunningJobs: 1 });
    try {
      const ids: string[] = [];
      for (let i = 0; i < 2; i++) {
        const spec = { repo: { url: repo.url }, task: `sleep ${i}`, model: "script:sleepy", checks: { test: "true" } };
        ids.push((await submit(stack.api, spec)).job.id);
      }
      for (const id of ids) expect((await waitTerminal(stack.api, id)).status).toBe("succeeded");
      const times = await Promise.all(
        ids.map(async (id) => {
          const j = (await (await fetch(`${stack.api}/v1/jobs/${id}`)).json()) as {
            startedAt: string;
            finishedAt: string;
          };
          return [Date.parse(j.startedAt), Date.parse(j.finishedAt)] as const;
        }),
      );
      const [first, second] = times.sort((a, b) => a[0] - b[0]);
      expect(second![0]).toBeGreaterThanOrEqual(first![1]);
    } finally {
      await projects.setLimits(stack.projectId, { maxRunningJobs: null });
    }
  });
});

describe("the stack's API needs a key", () => {
  it("answers 401 without one", async () => {
    expect((await rawFetch(`${stack.api}/v1/jobs`)).status).toBe(401);
  });
});
