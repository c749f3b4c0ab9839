import { randomUUID } from "node:crypto";
import path from "node:path";
import { CandidateRepository, EnvironmentRepository, JobEventRepository } from "@patchbay/db";
import type { Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { buildDashboard, DashboardBrowser, SHOTS } from "./dashboard-browser.js";
import { EMPTY_RESULT, seedJob, seedLog } from "./dashboard-seed.js";
import { createKey, type Stack, startStack } from "./stack.js";

// Dashboard pages that need data no scripted job makes quickly: many jobs to filter and page, a
// 50,000-line log, a review's findings, project settings. Jobs are written straight to the
// database as finished (no worker runs them); the API, the stream and the browser are real.
const tag = randomUUID().slice(0, 8);
const PAGING_URL = `https://git.example.com/team/paging-${tag}.git`;
const LOG_LINES = 50_000;
let stack: Stack;
let browser: DashboardBrowser;
let readOnlyKey: string;
let reviewId: string;
let failedId: string;
let bigLogId: string;

beforeAll(async () => {
  buildDashboard();
  stack = await startStack({});
  readOnlyKey = await createKey(stack.db, stack.projectId, ["jobs:read"]);
  const t0 = Date.now() - 3_600_000;
  for (let i = 1; i <= 25; i++) {
    const error = { code: "checks_failed", message: `paging job ${i} broke the tests`, retryable: false };
    await seedJob(stack.db, stack.projectId, {
      repoUrl: PAGING_URL,
      task: `paging job ${i}`,
      status: "failed",
      error,
      createdAt: new Date(t0 + i * 1000),
    });
  }
  failedId = (
    await stack.db.job.findFirstOrThrow({
      where: { repoUrl: PAGING_URL, spec: { path: ["task"], equals: "paging job 3" } },
    })
  ).id;
  reviewId = await seedJob(stack.db, stack.projectId, {
    kind: "review",
    task: "Review the shipping change",
    result: {
      review: {
        verdict: "needs_changes",
        explanation: "The free-shipping threshold is compared before the discount.",
        findings: [
          {
            file: "src/cart.js",
            startLine: 12,
            endLine: 14,
            priority: "P1",
            title: "Threshold uses the undiscounted total",
            body: "Compare the discounted total.",
            confidence: 0.9,
          },
        ],
        base: "a".repeat(40),
        head: "b".repeat(40),
      },
    },
  });
  await new JobEventRepository(stack.db).appendBatch(reviewId, [
    {
      type: "plan",
      data: {
        explanation: "Read the change, then the tests.",
        steps: [
          { step: "Read the diff", status: "completed" },
          { step: "Check the shipping rule", status: "in_progress" },
          { step: "Write the findings", status: "pending" },
        ],
      },
    },
  ]);
  bigLogId = await seedJob(stack.db, stack.projectId, { task: "a job with a huge log" });
  await seedLog(stack.db, bigLogId, LOG_LINES);
  browser = await DashboardBrowser.launch(stack.api);
}, 180_000);

afterEach(async (ctx) => {
  if (ctx.task.result?.state === "fail") await browser.shootAll("failed-pages");
});

afterAll(async () => {
  await stack?.db.environment.deleteMany({ where: { projectId: stack.projectId } });
  await browser?.close();
  await stack?.close();
});

const rows = (page: Page) => page.locator("tr.job-row");

describe("dashboard pages in a browser", () => {
  it("filters jobs by repository, text, kind and status, keeps them in the URL, and pages", async () => {
    const page = await browser.newPage();
    await browser.signIn(page, stack.key);
    await page.fill("#repo-filter", PAGING_URL);
    await page.press("#repo-filter", "Enter");
    // The unfiltered list has 20 rows too: wait for the filtered one, not just the count.
    await expect.poll(() => rows(page).first().textContent()).toContain("paging job 25");
    await expect.poll(() => rows(page).count()).toBe(20);
    expect(page.url()).toContain(`repo=${encodeURIComponent(PAGING_URL)}`);
    await page.click("#older");
    await expect.poll(() => rows(page).count()).toBe(5);
    expect(await page.isDisabled("#older")).toBe(true);
    expect(await page.textContent("#page-info")).toBe("page 2");
    await page.click("#newer");
    await expect.poll(() => rows(page).count()).toBe(20);

    await page.fill("#text-filter", "PAGING JOB 7");
    await expect.poll(() => rows(page).count()).toBe(1);
    expect(await rows(page).textContent()).toContain("paging job 7");
    // The filters survive a reload: they are in the URL.
    await page.reload();
    await expect.poll(() => rows(page).count()).toBe(1);
    expect(await page.inputValue("#text-filter")).toBe("PAGING JOB 7");

    await page.fill("#text-filter", "");
    await page.fill("#repo-filter", "");
    await page.press("#repo-filter", "Enter");
    await page.selectOption("#kind-filter", "review");
    // The text-filtered list before it also had one row: wait for the review itself.
    await expect.poll(() => rows(page).first().getAttribute("data-job")).toBe(reviewId);
    await expect.poll(() => rows(page).count()).toBe(1);
    await page.selectOption("#kind-filter", "");
    await page.selectOption("#status-filter", "failed");
    await page.fill("#text-filter", "no job is called this");
    await page.waitForSelector("#no-jobs");
    expect(await page.textContent("#no-jobs")).toContain("No jobs match these filters");
    await page.screenshot({ path: path.join(SHOTS, "jobs-empty-filter.png") });
  }, 60_000);

  it("shows a 50,000-line log with only the rows in view, finds a line, pauses on scroll and follows again", async () => {
    const page = await browser.newPage();
    await browser.signIn(page, stack.key);
    await page.goto(`${stack.api}/ui/#/jobs/${bigLogId}`);
    // 50,000 output lines and the two status notes.
    await expect.poll(() => page.textContent("#log-lines"), { timeout: 60_000 }).toBe("50,002 lines");
    await expect.poll(() => page.textContent("#log")).toContain("— succeeded");
    expect(await page.locator("#log .log-rows > div").count()).toBeLessThan(120);
    expect(await page.isHidden("#follow")).toBe(true);

    await page.fill("#log-search", "line 12345 of");
    await page.press("#log-search", "Enter");
    await expect.poll(() => page.textContent("#log-search-count")).toBe("1 of 1");
    expect(await page.textContent("#log .current")).toContain("line 12345 of the build");
    expect(await page.getAttribute("#log .current", "data-line")).toBe("12346");
    expect(await page.isVisible("#follow")).toBe(true);
    // Typing searches by itself (Enter would also move on to the next match once it has).
    await page.fill("#log-search", "module-5.ts");
    await expect.poll(() => page.textContent("#log-search-count")).toMatch(/^1 of 5\d\d$/);
    await page.click("#log-next");
    expect(await page.textContent("#log-search-count")).toMatch(/^2 of /);

    // Scrolling stays cheap: each jump redraws only the rows in view.
    // In-page code as text: the tests are type-checked without the DOM library.
    const ms = (await page.evaluate(`(async () => {
      const log = document.getElementById("log");
      const frame = () => new Promise((r) => requestAnimationFrame(() => r(null)));
      const started = performance.now();
      for (let i = 0; i < 30; i++) {
        log.scrollTop = (i / 30) * log.scrollHeight;
        await frame();
      }
      return (performance.now() - started) / 30;
    })()`)) as number;
    expect(ms).toBeLessThan(100);
    expect(await page.locator("#log .log-rows > div").count()).toBeLessThan(120);
    await page.click("#follow");
    await expect.poll(() => page.textContent("#log")).toContain("— succeeded");
    expect(await page.isHidden("#follow")).toBe(true);
    await page.mouse.move(300, 300);
    await page.locator("#log").hover();
    await page.mouse.wheel(0, -2000);
    await page.waitForSelector("#follow", { state: "visible" });
  }, 120_000);

  it("shows a review's plan and findings, and a failed job's error code and message", async () => {
    const page = await browser.newPage();
    await browser.signIn(page, readOnlyKey);
    await page.goto(`${stack.api}/ui/#/jobs/${reviewId}`);
    await page.waitForSelector("#review");
    expect(await page.textContent("#review h2")).toContain("needs changes");
    const finding = page.locator('#review li.finding[data-priority="P1"]');
    expect(await finding.textContent()).toContain("src/cart.js:12–14");
    expect(await finding.textContent()).toContain("Threshold uses the undiscounted total");
    expect(await page.locator("#diff").count()).toBe(0);
    const steps = await page.locator("#plan li").evaluateAll((els) => els.map((e) => e.getAttribute("data-status")));
    expect(steps).toEqual(["completed", "in_progress", "pending"]);
    expect(await page.textContent("#plan")).toContain("Check the shipping rule");
    await page.screenshot({ path: path.join(SHOTS, "job-review.png"), fullPage: true });

    await page.goto(`${stack.api}/ui/#/jobs/${failedId}`);
    await page.waitForSelector("#job-error");
    expect(await page.textContent("#job-error")).toBe("checks_failed: paging job 3 broke the tests");
    // A read-only key may not follow up.
    expect(await page.locator("#follow-up").count()).toBe(0);
    await page.goto(`${stack.api}/ui/#/jobs/${randomUUID()}`);
    await expect.poll(() => page.textContent("#main")).toContain("No job");
  }, 60_000);

  it("project page: secrets set and deleted by name only, allowlist, cached environments, webhook label, knowledge search", async () => {
    const p = stack.projectId;
    // A cache entry only (no image behind it): the page lists it and an admin drops it over the API.
    await new EnvironmentRepository(stack.db).save({
      projectId: p,
      key: `dash-${tag}`,
      image: `patchbay-env-dashboard-test-${tag}:none`,
      baseImage: "patchbay/sandbox:1",
      repoUrl: PAGING_URL,
      sizeBytes: 13_600_000,
      buildMs: 2700,
      expiresAt: new Date(Date.now() + 3_600_000),
    });
    const put = (route: string, body: unknown, method = "PUT") =>
      fetch(`${stack.api}${route}`, {
        method,
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
    expect((await put(`/v1/projects/${p}/environment`, { allow: ["registry.example.com"] })).status).toBe(200);
    const doc = "# Deploy\n\nIntro.\n\n## Rollback\n\nTo roll back, run the rollback script with the release id.\n";
    expect((await put(`/v1/projects/${p}/docs`, { path: "runbooks/deploy.md", content: doc }, "POST")).status).toBe(
      201,
    );

    const page = await browser.newPage();
    page.on("dialog", (d) => void d.accept());
    await browser.signIn(page, stack.key);
    await page.click("#nav-project");
    await page.waitForSelector("#no-secrets");
    const value = `v-${randomUUID()}`;
    await page.fill("#secret-name", "DEPLOY_TOKEN");
    await page.fill("#secret-value", value);
    await page.click("#secret-form button[type=submit]");
    await page.waitForSelector('#secret-list [data-secret="DEPLOY_TOKEN"]');
    expect(await page.inputValue("#secret-value")).toBe("");
    expect(await page.content()).not.toContain(value);
    // The API's message for a bad name reaches the form.
    await page.fill("#secret-name", "bad name");
    await page.fill("#secret-value", "long enough value");
    await page.click("#secret-form button[type=submit]");
    await expect.poll(() => page.textContent("#secret-form")).toContain("A-Z, 0-9 and _");
    await page.click('#secret-list [data-delete="DEPLOY_TOKEN"]');
    await page.waitForSelector("#no-secrets");

    expect(await page.textContent("#allowlist")).toContain("registry.example.com");
    const cached = page.locator(`#project-environments [data-environment="dash-${tag}"]`);
    expect(await cached.textContent()).toContain(PAGING_URL);
    await cached.locator("button").click();
    await expect.poll(() => page.textContent("#project-environments")).toContain("None cached yet");
    await page.fill("#trigger-label", "let-patchbay-fix");
    await page.click("#webhook-form button[type=submit]");
    await expect.poll(() => page.textContent("#current-label")).toBe("let-patchbay-fix");
    expect(await page.textContent("#project-webhook")).toContain(`/v1/hooks/github?project=${p}`);

    await page.fill("#knowledge-query", "roll back release");
    await page.click("#knowledge-search button[type=submit]");
    const hit = page.locator('#knowledge-hits li.hit[data-path="runbooks/deploy.md"]').first();
    await hit.waitFor();
    expect(await hit.locator(".hit-where").textContent()).toMatch(/^runbooks\/deploy\.md:\d+–\d+$/);
    expect(await hit.textContent()).toContain("rollback script");
    await page.screenshot({ path: path.join(SHOTS, "project.png"), fullPage: true });

    const reader = await browser.newPage();
    await browser.signIn(reader, readOnlyKey);
    await reader.click("#nav-project");
    await reader.waitForSelector("#admin-note");
    expect(await reader.locator("#project-secrets").count()).toBe(0);
    await reader.waitForSelector('#documents [data-doc="runbooks/deploy.md"]');
  }, 60_000);

  it("fits a phone: the jobs list and a job page without sideways scrolling", async () => {
    const page = await browser.newPage({ phone: true });
    await browser.signIn(page, stack.key);
    await rows(page).first().waitFor();
    const overflow = async () =>
      (await page.evaluate("document.documentElement.scrollWidth - window.innerWidth")) as number;
    expect(await overflow()).toBeLessThanOrEqual(0);
    await page.screenshot({ path: path.join(SHOTS, "phone-jobs.png") });
    await page.goto(`${stack.api}/ui/#/jobs/${reviewId}`);
    await page.waitForSelector("#review");
    expect(await overflow()).toBeLessThanOrEqual(0);
    await page.screenshot({ path: path.join(SHOTS, "phone-job.png"), fullPage: true });
    expect(browser.foreignRequests).toEqual([]);
  }, 60_000);

  it("a best-of-N job lists its attempts best first; a writer makes another the job's and the diff follows", async () => {
    const patchOf = (line: string) =>
      `diff --git a/a.txt b/a.txt\n--- a/a.txt\n+++ b/a.txt\n@@ -1 +1 @@\n-old\n+${line}\n`;
    const checks = (passed: boolean) => ({
      before: [],
      after: [],
      passed,
      regressions: [],
      fixed: passed ? ["t"] : [],
    });
    const stats = { files: 1, insertions: 1, deletions: 1 };
    const ranking = [
      "1: all checks pass, 1 fixed, 0 newly failing, +1 −1",
      "2: checks fail, 0 fixed, 0 newly failing, +1 −1",
    ];
    const id = await seedJob(stack.db, stack.projectId, {
      task: `best of two ${tag}`,
      result: { bestOfN: { attempts: 2, winner: 1, selected: 1, selectedBy: "checks", ranking }, checks: checks(true) },
    });
    await stack.db.job.update({ where: { id }, data: { patch: patchOf("from attempt one") } });
    const attempt = (n: number, passed: boolean) => ({
      ...EMPTY_RESULT,
      n,
      status: "finished" as const,
      patch: patchOf(n === 1 ? "from attempt one" : "from attempt two"),
      summary: `attempt ${n} summary`,
      patchStats: stats,
      checks: checks(passed),
      confidence: null,
    });
    await new CandidateRepository(stack.db).save(id, [attempt(1, true), attempt(2, false)]);

    const reader = await browser.newPage();
    await browser.signIn(reader, readOnlyKey);
    await reader.goto(`${stack.api}/ui/#/jobs/${id}`);
    await reader.waitForSelector("#candidates");
    const order = await reader
      .locator("#candidates tr[data-attempt]")
      .evaluateAll((els) => els.map((e) => e.getAttribute("data-attempt")));
    expect(order).toEqual(["1", "2"]);
    expect(await reader.locator("#candidates [data-select]").count()).toBe(0);

    const page = await browser.newPage();
    await browser.signIn(page, stack.key);
    await page.goto(`${stack.api}/ui/#/jobs/${id}`);
    await page.waitForSelector('#diff [data-file="a.txt"]');
    expect(await page.textContent("#diff")).toContain("from attempt one");
    await page.click('#candidates [data-select="2"]');
    await expect.poll(() => page.textContent("#candidates")).toContain("Attempt 2 was selected by a person");
    await expect.poll(() => page.textContent("#diff")).toContain("from attempt two");
    await page.screenshot({ path: path.join(SHOTS, "job-candidates.png"), fullPage: true });
  }, 60_000);
});
