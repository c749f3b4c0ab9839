import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { buildDashboard, DashboardBrowser, SHOTS } from "./dashboard-browser.js";
import { createKey, exampleScript, fixtureRepo, type Stack, startStack, submit, waitTerminal } from "./stack.js";

// The dashboard in real headless Chromium against a real stack: API serving /ui, worker, Docker
// sandboxes and the scripted model. Seeded pages (filters, paging, a 50,000-line log, project
// settings) are in dashboard-pages.e2e.test.ts. Waits are long: on a busy 2-core machine a job's
// baseline alone has taken 80 s.
const repo = fixtureRepo();
// A follow-up's requests carry the parent's turns: these fill the turns fix-cart-bug played.
const pad = (n: number) => Array.from({ length: n }, () => ({ output: [{ type: "message", content: "unused" }] }));
let stack: Stack;
let browser: DashboardBrowser;
let readOnlyKey: string;

beforeAll(async () => {
  buildDashboard();
  stack = await startStack({
    "fix-cart-bug": await exampleScript("fix-cart-bug"),
    "notes-step": {
      turns: [
        ...pad(4),
        {
          output: [
            {
              type: "apply_patch_call",
              operation: { type: "create_file", path: "NOTES.md", diff: "+Fixed free shipping.\n" },
            },
          ],
        },
        { output: [{ type: "message", content: "wrote NOTES.md" }] },
      ],
    },
    "slow-shell": { turns: [{ output: [{ type: "shell_call", action: { commands: ["sleep 60"] } }] }] },
  });
  readOnlyKey = await createKey(stack.db, stack.projectId, ["jobs:read"]);
  browser = await DashboardBrowser.launch(stack.api);
});

afterEach(async (ctx) => {
  if (ctx.task.result?.state === "fail") await browser.shootAll("failed-dashboard");
});

afterAll(async () => {
  await browser?.close();
  await stack?.close();
  repo.remove();
});

describe("the dashboard in a browser", () => {
  it("signs in, submits from the form, watches it succeed live, reads diff, turns and log, and follows up", async () => {
    const page = await browser.newPage();
    await page.goto(`${stack.api}/`);
    expect(page.url()).toBe(`${stack.api}/ui/`);
    await page.fill("#key", "pb_000000000000_not-a-real-key-at-all-xxxxxxxxxxxxxxxxxxxx");
    await page.click("#sign-in button[type=submit]");
    await expect.poll(() => page.textContent("#sign-in-error")).toContain("refused");
    await browser.signIn(page, stack.key);
    expect(await page.textContent("#who")).toContain(stack.projectId);

    await page.click("#nav-new");
    // The API's own validation message reaches the form.
    await page.click("#submit-button");
    await expect.poll(() => page.textContent("#submit-errors")).toContain("repo.url");

    await page.fill("#url", repo.url);
    await page.fill("#task-input", "The cart tests fail. Fix src/cart.js.");
    await page.fill("#model", "script:fix-cart-bug");
    await page.click("#submit-button");
    await page.waitForURL(/#\/jobs\/[0-9a-f-]{36}$/);
    const jobId = page.url().split("/").at(-1)!;
    // No reload from here on: the live stream moves the page to succeeded.
    await page.waitForSelector('#job-head [data-status="succeeded"]', { timeout: 240_000 });
    await page.waitForSelector('#diff [data-file="src/cart.js"]');
    const diff = await page.textContent('#diff [data-file="src/cart.js"]');
    expect(diff).toContain("+  const shipping = discounted >= FREE_SHIPPING_FROM ? 0 : SHIPPING;");
    // Highlighted by our own bundled highlighter: `const` is a keyword span.
    expect(await page.locator('#diff [data-file="src/cart.js"] .tok-k', { hasText: "const" }).count()).toBeGreaterThan(
      0,
    );
    expect(await page.textContent("#apply-command")).toContain(`/v1/jobs/${jobId}/patch | git apply`);
    expect(await page.getAttribute("#download-patch", "download")).toBe(`patchbay-${jobId}.diff`);
    const fileCommand = await page.getAttribute('#diff [data-file="src/cart.js"] button.copy', "title");
    expect(fileCommand).toContain("git apply --include='src/cart.js'");
    expect(await page.textContent("#checks h2")).toContain("checks pass");
    expect(await page.textContent("#usage")).toContain("turns4");
    expect(await page.textContent("#log-state")).toContain("finished");

    // The model's turns, their tool calls folded with the results inside.
    expect(await page.locator("#conversation .turn").count()).toBe(4);
    const patchCall = page.locator('#conversation details.tool[data-tool="apply_patch"]').first();
    expect(await patchCall.getAttribute("open")).toBeNull();
    expect(await patchCall.locator(".tool-result").isVisible()).toBe(false);
    await patchCall.locator("summary").click();
    expect(await patchCall.locator(".tool-result").isVisible()).toBe(true);

    // The log follows to the end and finds any line.
    await expect.poll(() => page.textContent("#log")).toContain("— succeeded");
    await page.fill("#log-search", "model turn 1");
    await page.press("#log-search", "Enter");
    await expect.poll(() => page.textContent("#log-search-count")).toBe("1 of 1");
    expect(await page.textContent("#log .current")).toContain("model turn 1");

    expect(await page.locator("#cancel").count()).toBe(0);
    const phases = await page
      .locator("#timeline .phase.done")
      .evaluateAll((els) => els.map((e) => e.getAttribute("data-phase")));
    expect(phases).toContain("agent");
    // A plain change job's baseline ran beside the agent: the timeline says so.
    expect(await page.textContent('#timeline [data-phase="baseline"]')).toMatch(/baseline.*beside the agent/);
    await page.screenshot({ path: path.join(SHOTS, "job-succeeded.png"), fullPage: true });

    // A follow-up from the page: a new job, linked both ways.
    await page.fill("#follow-up-text", "Also write NOTES.md saying what you fixed.");
    await page.fill("#follow-up-model", "script:notes-step");
    await page.click("#follow-up-send");
    await page.waitForURL((url) => /#\/jobs\/[0-9a-f-]{36}$/.test(url.hash) && !url.hash.endsWith(jobId));
    const followUpId = page.url().split("/").at(-1)!;
    expect(await page.getAttribute("#parent-link", "href")).toBe(`#/jobs/${jobId}`);
    await page.waitForSelector('#job-head [data-status="succeeded"]', { timeout: 240_000 });
    await page.waitForSelector('#diff [data-file="NOTES.md"]');
    await page.click("#parent-link");
    await page.waitForSelector(`#thread a[data-job="${followUpId}"]`);
    expect(await page.textContent(`#thread a[data-job="${followUpId}"]`)).toContain("follow-up");

    await page.click("#nav-jobs");
    const row = page.locator(`tr[data-job="${jobId}"]`);
    await row.waitFor();
    expect(await row.locator("[data-status]").getAttribute("data-status")).toBe("succeeded");
    await page.selectOption("#status-filter", "running");
    await page.waitForSelector("#no-jobs");
    await page.selectOption("#status-filter", "");
    await row.waitFor();
    await page.screenshot({ path: path.join(SHOTS, "jobs-list.png") });
    expect(browser.foreignRequests).toEqual([]);
  }, 600_000);

  it("a read-only key sees no cancel and a 403 on submit; a write key steers and cancels a running job", async () => {
    const { job } = await submit(stack.api, { repo: { url: repo.url }, task: "wait", model: "script:slow-shell" });
    const reader = await browser.newPage();
    await browser.signIn(reader, readOnlyKey);
    await reader.goto(`${stack.api}/ui/#/jobs/${job.id}`);
    await reader.waitForSelector('#job-head [data-status="running"]', { timeout: 60_000 });
    expect(await reader.locator("#cancel").count()).toBe(0);
    expect(await reader.locator("#steer").count()).toBe(0);
    await reader.click("#nav-new");
    await reader.fill("#url", repo.url);
    await reader.fill("#task-input", "anything");
    await reader.click("#submit-button");
    await expect.poll(() => reader.textContent("#submit-errors")).toContain("403");
    expect(await reader.textContent("#submit-errors")).toContain("jobs:write");
    // The reader watches the list; the row changes without a reload.
    await reader.click("#nav-jobs");
    const row = reader.locator(`tr[data-job="${job.id}"] [data-status]`);
    await expect.poll(() => row.getAttribute("data-status")).toBe("running");

    const writer = await browser.newPage();
    await browser.signIn(writer, stack.key);
    await writer.goto(`${stack.api}/ui/#/jobs/${job.id}`);
    await writer.waitForSelector('#job-head [data-status="running"]');
    await writer.waitForSelector("#steer");
    await writer.fill("#steer-text", "Please also keep the README short.");
    await writer.click("#steer-send");
    await expect.poll(() => writer.textContent("#steer-result")).toContain("Sent");
    await writer.waitForSelector("#conversation .user-message");
    expect(await writer.textContent("#conversation .user-message")).toContain("keep the README short");
    await writer.click("#cancel");
    await writer.waitForSelector('#job-head [data-status="cancelled"]', { timeout: 60_000 });
    await expect.poll(() => row.getAttribute("data-status"), { timeout: 30_000 }).toBe("cancelled");
    expect((await waitTerminal(stack.api, job.id)).status).toBe("cancelled");
    expect(browser.foreignRequests).toEqual([]);
  }, 180_000);
});
