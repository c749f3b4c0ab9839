import { execFileSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createKey, exampleScript, fixtureRepo, type Stack, startStack, submit, waitTerminal } from "./stack.js";

// The dashboard in real headless Chromium (Debian's package, installed by the bring-up) against a
// real stack: API serving /ui, worker, Docker sandboxes and the scripted model.
const ROOT = path.resolve(import.meta.dirname, "../..");
const SHOTS = path.join(ROOT, "apps/web/screenshots");
const CHROMIUM = "/usr/bin/chromium";
const repo = fixtureRepo();
let stack: Stack;
let browser: Browser;
let readOnlyKey: string;
const contexts: BrowserContext[] = [];
const foreignRequests: string[] = [];

/** A fresh tab (own session storage) that records any request leaving the API's origin. */
async function newPage(): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  contexts.push(context);
  const page = await context.newPage();
  page.on("request", (r) => {
    if (!r.url().startsWith(stack.api) && !r.url().startsWith("blob:")) foreignRequests.push(r.url());
  });
  return page;
}

async function signIn(page: Page, key: string): Promise<void> {
  await page.goto(`${stack.api}/`);
  await page.fill("#key", key);
  await page.click("#sign-in button[type=submit]");
  await page.waitForSelector("#who");
}

beforeAll(async () => {
  execFileSync("npm", ["run", "-s", "build", "-w", "@patchbay/web"], { cwd: ROOT, stdio: "inherit" });
  mkdirSync(SHOTS, { recursive: true });
  stack = await startStack({
    "fix-cart-bug": await exampleScript("fix-cart-bug"),
    "slow-shell": { turns: [{ output: [{ type: "shell_call", action: { commands: ["sleep 60"] } }] }] },
  });
  readOnlyKey = await createKey(stack.db, stack.projectId, ["jobs:read"]);
  browser = await chromium.launch({ executablePath: CHROMIUM });
});

afterEach(async (ctx) => {
  // A failing test leaves a picture of every open tab.
  if (ctx.task.result?.state !== "fail") return;
  for (const [i, c] of contexts.entries()) {
    for (const [j, p] of c.pages().entries()) await p.screenshot({ path: path.join(SHOTS, `failed-${i}-${j}.png`) });
  }
});

afterAll(async () => {
  for (const c of contexts) await c.close();
  await browser?.close();
  await stack?.close();
  repo.remove();
});

describe("the dashboard in a browser", () => {
  it("signs in, submits a job from the form, watches it succeed live, and shows the diff and checks", async () => {
    const page = await newPage();
    await page.goto(`${stack.api}/`);
    expect(page.url()).toBe(`${stack.api}/ui/`);
    await page.fill("#key", "pb_000000000000_not-a-real-key-at-all-xxxxxxxxxxxxxxxxxxxx");
    await page.click("#sign-in button[type=submit]");
    await expect.poll(() => page.textContent("#sign-in-error")).toContain("refused");
    await signIn(page, stack.key);
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
    await page.waitForSelector('#job-head [data-status="succeeded"]', { timeout: 120_000 });
    await page.waitForSelector('#diff [data-file="src/cart.js"]');
    const diff = await page.textContent('#diff [data-file="src/cart.js"]');
    expect(diff).toContain("+  const shipping = discounted >= FREE_SHIPPING_FROM ? 0 : SHIPPING;");
    expect(await page.textContent("#apply-command")).toContain(`/v1/jobs/${jobId}/patch | git apply`);
    expect(await page.getAttribute("#download-patch", "download")).toBe(`patchbay-${jobId}.diff`);
    expect(await page.textContent("#checks h2")).toContain("checks pass");
    expect(await page.textContent("#usage")).toContain("turns4");
    expect(await page.textContent("#log-state")).toContain("finished");
    const log = await page.textContent("#log");
    expect(log).toContain("model turn 1");
    expect(log).toContain("apply_patch");
    expect(log).toContain("— succeeded");
    expect(await page.locator("#cancel").count()).toBe(0);
    const phases = await page
      .locator("#timeline .phase.done")
      .evaluateAll((els) => els.map((e) => e.getAttribute("data-phase")));
    expect(phases).toContain("agent");
    await page.screenshot({ path: path.join(SHOTS, "job-succeeded.png"), fullPage: true });

    await page.click("#nav-jobs");
    const row = page.locator(`tr[data-job="${jobId}"]`);
    await row.waitFor();
    expect(await row.locator("[data-status]").getAttribute("data-status")).toBe("succeeded");
    await page.selectOption("#status-filter", "running");
    await page.waitForSelector("#no-jobs");
    await page.screenshot({ path: path.join(SHOTS, "jobs-empty-filter.png") });
    await page.selectOption("#status-filter", "");
    await row.waitFor();
    await page.screenshot({ path: path.join(SHOTS, "jobs-list.png") });
    expect(foreignRequests).toEqual([]);
  }, 240_000);

  it("a read-only key sees no cancel button and a 403 on submit; a write key cancels a running job", async () => {
    const { job } = await submit(stack.api, { repo: { url: repo.url }, task: "wait", model: "script:slow-shell" });
    const reader = await newPage();
    await signIn(reader, readOnlyKey);
    await reader.goto(`${stack.api}/ui/#/jobs/${job.id}`);
    await reader.waitForSelector('#job-head [data-status="running"]', { timeout: 60_000 });
    expect(await reader.locator("#cancel").count()).toBe(0);
    await reader.click("#nav-new");
    await reader.fill("#url", repo.url);
    await reader.fill("#task-input", "anything");
    await reader.click("#submit-button");
    await expect.poll(() => reader.textContent("#submit-errors")).toContain("403");
    expect(await reader.textContent("#submit-errors")).toContain("jobs:write");

    const writer = await newPage();
    await signIn(writer, stack.key);
    await writer.goto(`${stack.api}/ui/#/jobs/${job.id}`);
    await writer.click("#cancel");
    await writer.waitForSelector('#job-head [data-status="cancelled"]', { timeout: 60_000 });
    // The reader's open page follows along without a reload.
    await reader.goto(`${stack.api}/ui/#/jobs/${job.id}`);
    await reader.waitForSelector('#job-head [data-status="cancelled"]');
    expect((await waitTerminal(stack.api, job.id)).status).toBe("cancelled");
    expect(foreignRequests).toEqual([]);
  }, 180_000);
});
