import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { describeFailedJobs, fetchFailedJobs } from "./github-failed-jobs.js";

/** GitHub's "list jobs for a workflow run" answer, trimmed to the fields we read. */
const JOBS = {
  total_count: 3,
  jobs: [
    {
      name: "lint",
      conclusion: "success",
      html_url: "https://github.com/o/r/actions/runs/1/job/1",
      steps: [{ name: "Run npm run lint", conclusion: "success" }],
    },
    {
      name: "test (20.x)",
      conclusion: "failure",
      html_url: "https://github.com/o/r/actions/runs/1/job/2",
      steps: [
        { name: "Set up job", conclusion: "success" },
        { name: "Run npm test", conclusion: "failure" },
        { name: "Upload coverage", conclusion: "skipped" },
      ],
    },
    { name: "e2e", conclusion: "timed_out", html_url: null, steps: [] },
  ],
};

let server: Server;
let api = "";
const seen: Array<{ url: string; headers: IncomingHttpHeaders }> = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push({ url: req.url ?? "", headers: req.headers });
    if (!req.url?.startsWith("/repos/o/r/actions/runs/1/jobs")) {
      res.statusCode = 404;
      res.end('{"message":"Not Found"}');
      return;
    }
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify(JOBS));
  });
  server.listen(0, "127.0.0.1");
  await new Promise((r) => server.once("listening", r));
  api = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => server.close());

describe("fetchFailedJobs", () => {
  it("names the failed and timed-out jobs with their failed steps, asking with the token", async () => {
    const found = await fetchFailedJobs(`${api}/repos/o/r/actions/runs/1/jobs`, "ghs_token", api);
    expect(found).toEqual({
      jobs: [
        { name: "test (20.x)", failedSteps: ["Run npm test"], url: "https://github.com/o/r/actions/runs/1/job/2" },
        { name: "e2e", failedSteps: [] },
      ],
    });
    const request = seen.at(-1)!;
    expect(request.headers.authorization).toBe("Bearer ghs_token");
    expect(request.url).toContain("filter=latest");
    expect(describeFailedJobs(found)).toBe('Failed jobs: "test (20.x)" (failed steps: "Run npm test"); "e2e".');
  });

  it("never sends the token to a host other than the configured API", async () => {
    const before = seen.length;
    const found = await fetchFailedJobs(`${api}/repos/o/r/actions/runs/1/jobs`, "ghs_token", "https://api.github.com");
    expect(found).toEqual({ error: "jobs_url is not on https://api.github.com" });
    expect(seen.length).toBe(before);
  });

  it("reports GitHub's refusal instead of failing the delivery", async () => {
    const found = await fetchFailedJobs(`${api}/repos/o/other/actions/runs/1/jobs`, "ghs_token", api);
    expect(found).toEqual({ error: "GitHub answered 404 for the run's jobs" });
    expect(describeFailedJobs(found)).toContain("could not be listed: GitHub answered 404");
    expect(describeFailedJobs(null)).toContain("GITHUB_TOKEN");
  });
});
