/**
 * The dashboard in headless Chromium against a real API (the stack of the e2e tests):
 *   - first load of a job page in a cold browser: bytes transferred (the page's own files and the
 *     API's answers) and the time from navigation to the first event shown in the log;
 *   - a 50,000-line log: time until every line is in (replayed over the event stream and drawn),
 *     the DOM rows kept, and the time of a scroll jump (set scrollTop, next frame drawn).
 *
 *   npm run bench -- web [--runs 10]     (writes bench/results/web-<timestamp>.json)
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { type Browser, chromium, type Page } from "playwright-core";
import { buildDashboard } from "../tests/e2e/dashboard-browser.js";
import { seedJob, seedLog } from "../tests/e2e/dashboard-seed.js";
import { type Stack, startStack } from "../tests/e2e/stack.js";
import { summarize } from "./stats.js";

const runsArg = process.argv.indexOf("--runs");
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 10;
const BIG_LOG_RUNS = Math.max(3, Math.ceil(RUNS / 3));
const LOG_LINES = 50_000;
const round = (x: number, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;

// In-page code is text: this file is type-checked without the DOM library.
/** Runs in the page before its scripts: signs in and records when the log shows its first row, and every line. */
const probe = (key: string, want: string) => `
  sessionStorage.setItem("patchbay.key", ${JSON.stringify(key)});
  window.__firstRow = null;
  window.__allLines = null;
  new MutationObserver(() => {
    const now = performance.now();
    if (window.__firstRow === null && document.querySelector("#log [data-line]")) window.__firstRow = now;
    if (window.__allLines === null && document.getElementById("log-lines")?.textContent === ${JSON.stringify(want)}) window.__allLines = now;
  }).observe(document, { subtree: true, childList: true, characterData: true });
`;

/** Reads, in the page, the probe's times, the bytes transferred, the rows drawn; with scroll, times 60 jumps. */
const measure = (scroll: boolean) => `(async () => {
  let scrollFrameMs = null;
  if (${scroll}) {
    const log = document.getElementById("log");
    const frame = () => new Promise((r) => requestAnimationFrame(() => r(null)));
    const started = performance.now();
    for (let i = 0; i < 60; i++) {
      log.scrollTop = ((i * 7919) % 60) * (log.scrollHeight / 60);
      await frame();
    }
    scrollFrameMs = (performance.now() - started) / 60;
  }
  return {
    firstEventMs: window.__firstRow,
    allLinesMs: window.__allLines,
    rows: document.querySelectorAll("#log .log-rows > div").length,
    scrollFrameMs,
  };
})()`;

interface Load {
  firstEventMs: number;
  allLinesMs: number | null;
  staticBytes: number;
  apiBytes: number;
  rows: number;
  scrollFrameMs: number | null;
}

/**
 * Bytes on the wire per request (Chrome's own count, headers included), split into the page's
 * files and the API's answers (JSON and the event stream); call the returned function once the page loaded.
 */
async function countBytes(page: Page): Promise<() => { staticBytes: number; apiBytes: number }> {
  const requests = new Map<string, { api: boolean; streamed: number; finished: number | null }>();
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Network.enable");
  cdp.on("Network.requestWillBeSent", (e) => {
    requests.set(e.requestId, { api: new URL(e.request.url).pathname.startsWith("/v1/"), streamed: 0, finished: null });
  });
  cdp.on("Network.dataReceived", (e) => {
    const r = requests.get(e.requestId);
    if (r) r.streamed += e.encodedDataLength;
  });
  // The whole response, headers included; a stream still open counts what arrived so far.
  cdp.on("Network.loadingFinished", (e) => {
    const r = requests.get(e.requestId);
    if (r) r.finished = e.encodedDataLength;
  });
  return () => {
    const totals = { staticBytes: 0, apiBytes: 0 };
    for (const r of requests.values()) totals[r.api ? "apiBytes" : "staticBytes"] += r.finished ?? r.streamed;
    return totals;
  };
}

/** Opens the job page in a fresh (cold) browser context signed in with the key. */
async function loadJobPage(browser: Browser, stack: Stack, jobId: string, wantLines: string, scroll: boolean) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  await context.addInitScript({ content: probe(stack.key, wantLines) });
  const page = await context.newPage();
  const bytes = await countBytes(page);
  await page.goto(`${stack.api}/ui/#/jobs/${jobId}`);
  // A function, not text: the page's CSP forbids the eval a text predicate would need.
  const allIn = () => (globalThis as unknown as { __allLines: number | null }).__allLines !== null;
  await page.waitForFunction(allIn, null, { timeout: 300_000, polling: 100 });
  const result = { ...((await page.evaluate(measure(scroll))) as Omit<Load, "staticBytes" | "apiBytes">), ...bytes() };
  await context.close();
  return result;
}

async function main(): Promise<void> {
  buildDashboard();
  const stack = await startStack({});
  const browser = await chromium.launch({ executablePath: "/usr/bin/chromium" });
  try {
    const small = await seedJob(stack.db, stack.projectId, { task: "a typical job" });
    await seedLog(stack.db, small, 200);
    const big = await seedJob(stack.db, stack.projectId, { task: "a job with a huge log" });
    await seedLog(stack.db, big, LOG_LINES);
    // One warm-up so the API's first-request costs (connection pools, JIT) are not in the sample.
    await loadJobPage(browser, stack, small, "202 lines", false);
    const first: Load[] = [];
    for (let i = 0; i < RUNS; i++) first.push(await loadJobPage(browser, stack, small, "202 lines", false));
    const huge: Load[] = [];
    for (let i = 0; i < BIG_LOG_RUNS; i++) {
      huge.push(await loadJobPage(browser, stack, big, `${(LOG_LINES + 2).toLocaleString("en")} lines`, true));
    }
    const report = {
      bench: "web",
      at: new Date().toISOString(),
      machine: { cpus: cpus().length, loadAverage1m: round(loadavg()[0] ?? 0, 2) },
      firstLoad: {
        note: "cold browser context; job page of a finished job with 200 log lines; bytes as transferred (no compression)",
        runs: RUNS,
        timeToFirstEventMs: summarize(first.map((r) => r.firstEventMs)),
        staticBytes: first[0]!.staticBytes,
        apiBytes: first[0]!.apiBytes,
        totalBytes: first[0]!.staticBytes + first[0]!.apiBytes,
      },
      log50k: {
        note: "finished job with 50,000 log lines in 2,500 events: replayed over SSE and drawn; scroll = jump + next frame",
        runs: BIG_LOG_RUNS,
        lines: LOG_LINES,
        timeToFirstEventMs: summarize(huge.map((r) => r.firstEventMs)),
        timeToAllLinesMs: summarize(huge.map((r) => r.allLinesMs ?? Number.NaN)),
        scrollFrameMs: summarize(huge.map((r) => r.scrollFrameMs ?? Number.NaN)),
        domRows: Math.max(...huge.map((r) => r.rows)),
        apiBytes: huge[0]!.apiBytes,
      },
    };
    mkdirSync("bench/results", { recursive: true });
    const file = `bench/results/web-${new Date().toISOString().replace(/[:.]/g, "-")}.json`;
    writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
    console.log(JSON.stringify(report, null, 2));
    console.log(`written to ${file}`);
  } finally {
    await browser.close();
    await stack.close();
  }
}

await main();
