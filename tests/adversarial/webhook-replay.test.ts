import { createHmac, randomBytes, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { startTestApi, type TestApi } from "@patchbay/api/testing";
import { ProjectRepository, SecretBox, SecretRepository } from "@patchbay/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// An attacker who captured one signed delivery (a proxy log, a leaked request dump) resends its
// exact bytes with a fresh X-GitHub-Delivery: the signature still verifies.
const secretsKey = randomBytes(32).toString("base64");
const projectId = `adv-replay-${randomUUID().slice(0, 8)}`;
const SECRET = "replay-hook-secret";
const FIXTURE = path.resolve(import.meta.dirname, "../e2e/fixtures/github/issues-labeled.json");
let api: TestApi;
let base = "";

interface HookAnswer {
  status?: string;
  jobId?: string;
  reason?: string;
  previous?: { status?: string; jobId?: string };
}

async function deliver(body: string, delivery = randomUUID()): Promise<{ status: number; json: HookAnswer }> {
  const res = await fetch(`${base}/v1/hooks/github?project=${projectId}`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-github-event": "issues",
      "x-github-delivery": delivery,
      "x-hub-signature-256": `sha256=${createHmac("sha256", SECRET).update(body).digest("hex")}`,
    },
    body,
  });
  return { status: res.status, json: (await res.json()) as HookAnswer };
}

/** A labelled-issue delivery whose bytes differ from every other one (as GitHub's do). */
function issueBody(): string {
  const payload = JSON.parse(readFileSync(FIXTURE, "utf8")) as { issue: Record<string, unknown> };
  payload.issue.updated_at = new Date().toISOString();
  payload.issue.node_id = randomUUID();
  return JSON.stringify(payload);
}

const jobCount = () => api.db.job.count({ where: { projectId } });

beforeAll(async () => {
  api = await startTestApi({
    projectId,
    secretsKey,
    prepare: async (db) => {
      await new ProjectRepository(db).ensure(projectId);
      await new SecretRepository(db, new SecretBox(secretsKey)).put(projectId, "GITHUB_WEBHOOK_SECRET", SECRET);
    },
  });
  base = api.base;
});

afterAll(() => api.close());

describe("GitHub webhook replay", () => {
  it("a signed body resent under a new delivery id makes no second job and answers with the first", async () => {
    const body = issueBody();
    const first = await deliver(body);
    expect(first.status).toBe(202);
    expect(first.json.status).toBe("created");
    const replay = await deliver(body);
    expect(replay.status).toBe(200);
    expect(replay.json.status).toBe("duplicate");
    expect(replay.json.reason).toContain("replay");
    expect(replay.json.previous).toEqual({ status: "created", jobId: first.json.jobId });
    expect(await jobCount()).toBe(1);
    // Another event (other bytes) still makes its job.
    expect((await deliver(issueBody())).json.status).toBe("created");
    expect(await jobCount()).toBe(2);
  });

  it("replays racing each other make one job", async () => {
    const before = await jobCount();
    const body = issueBody();
    const answers = await Promise.all(Array.from({ length: 6 }, () => deliver(body)));
    expect(answers.filter((a) => a.json.status === "created")).toHaveLength(1);
    expect(answers.filter((a) => a.json.status === "duplicate")).toHaveLength(5);
    expect(await jobCount()).toBe(before + 1);
  });
});
