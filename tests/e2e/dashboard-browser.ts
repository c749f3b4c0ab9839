import { execFileSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";

// The dashboard's browser tests drive Debian's Chromium (installed by the bring-up) with playwright-core.
const ROOT = path.resolve(import.meta.dirname, "../..");
/** Where the tests write screenshots (git-ignored: apps/web/.gitignore). */
export const SHOTS = path.join(ROOT, "apps/web/screenshots");
const CHROMIUM = "/usr/bin/chromium";

/** A headless Chromium whose tabs record every request that leaves the API's origin. */
export class DashboardBrowser {
  readonly foreignRequests: string[] = [];
  private readonly contexts: BrowserContext[] = [];

  private constructor(
    private readonly browser: Browser,
    private readonly api: string,
  ) {}

  static async launch(api: string): Promise<DashboardBrowser> {
    mkdirSync(SHOTS, { recursive: true });
    return new DashboardBrowser(await chromium.launch({ executablePath: CHROMIUM }), api);
  }

  /** A fresh tab (own session storage); a phone-sized one with `phone`. */
  async newPage(options: { phone?: boolean } = {}): Promise<Page> {
    const viewport = options.phone ? { width: 390, height: 844 } : { width: 1280, height: 900 };
    const context = await this.browser.newContext({ viewport, ...(options.phone ? { isMobile: true } : {}) });
    this.contexts.push(context);
    const page = await context.newPage();
    page.on("request", (r) => {
      if (!r.url().startsWith(this.api) && !r.url().startsWith("blob:") && !r.url().startsWith("data:")) {
        this.foreignRequests.push(r.url());
      }
    });
    return page;
  }

  /** Signs a tab in with a key through the sign-in form. */
  async signIn(page: Page, key: string): Promise<void> {
    await page.goto(`${this.api}/`);
    await page.fill("#key", key);
    await page.click("#sign-in button[type=submit]");
    await page.waitForSelector("#who");
  }

  /** A picture of every open tab, named after the failed test. */
  async shootAll(prefix: string): Promise<void> {
    for (const [i, c] of this.contexts.entries()) {
      for (const [j, p] of c.pages().entries()) {
        await p.screenshot({ path: path.join(SHOTS, `${prefix}-${i}-${j}.png`) }).catch(() => {});
      }
    }
  }

  async close(): Promise<void> {
    for (const c of this.contexts) await c.close();
    await this.browser.close();
  }
}

/** Builds the dashboard (the tests serve what the sources say now). */
export function buildDashboard(): void {
  execFileSync("npm", ["run", "-s", "build", "-w", "@patchbay/web"], { cwd: ROOT, stdio: "inherit" });
}
