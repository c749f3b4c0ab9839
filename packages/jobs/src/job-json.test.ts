import type { JobRecord } from "@patchbay/db";
import { describe, expect, it } from "vitest";
import { toJobJson } from "./job-json.js";

const at = new Date("2026-01-02T03:04:05.000Z");
const job: JobRecord & { patch?: string } = {
  id: "0b6f3a52-8c1e-4c6e-9d7a-1f2e3d4c5b6a",
  projectId: "web",
  status: "succeeded",
  phase: null,
  spec: {
    repo: { url: "https://git.example.com/a.git" },
    task: "t",
    model: "m",
    limits: { timeoutSec: 60, maxTurns: 5 },
  },
  model: "m",
  attempt: 1,
  workerId: "w-1",
  cancelRequested: false,
  result: null,
  error: null,
  createdAt: at,
  updatedAt: at,
  startedAt: at,
  finishedAt: null,
  patch: "diff --git a/x b/x",
};

describe("toJobJson", () => {
  it("serves timestamps as ISO strings, links, the project, and never the patch", () => {
    const json = toJobJson(job);
    expect(json).toMatchObject({ id: job.id, projectId: "web", workerId: "w-1", createdAt: at.toISOString() });
    expect(json.finishedAt).toBeNull();
    expect(json.links.patch).toBe(`/v1/jobs/${job.id}/patch`);
    expect(JSON.stringify(json)).not.toContain("diff --git");
  });
});
