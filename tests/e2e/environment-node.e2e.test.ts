import { execFileSync } from "node:child_process";
import { rmSync } from "node:fs";
import type { ModelScript } from "@patchbay/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { commitAll, networkEvents, runJob, say, writeTree } from "./env-helpers.js";
import { type Stack, startStack } from "./stack.js";

const temps: string[] = [];

/** The host's npm registry and vitest's version there, or why it cannot be reached. */
function hostRegistry(): { registry: string; vitest: string } | { reason: string } {
  try {
    const npm = (...args: string[]) => execFileSync("npm", args, { encoding: "utf8", timeout: 60_000 }).trim();
    return { registry: npm("config", "get", "registry"), vitest: npm("view", "vitest", "version") };
  } catch (err) {
    const text = String((err as { stderr?: unknown }).stderr ?? err).trim();
    const line = text.split("\n").find((l) => /error|ERR/.test(l)) ?? text.split("\n")[0] ?? "no answer";
    return { reason: line.slice(0, 160) };
  }
}

const host = hostRegistry();
const reachable = "registry" in host;
const title = reachable
  ? "a vitest project runs in a sandbox: npm ci from the host's registry through the proxy"
  : `skipped: the host's npm registry is unreachable (npm view vitest version: ${host.reason})`;

const SCRIPTS: Record<string, ModelScript> = { noop: { turns: [{ output: [say("Nothing to do.")] }] } };

let stack: Stack;

/**
 * A Node project with vitest as its only (dev) dependency and a lockfile resolved by a real
 * `npm install --package-lock-only` against the host's registry. One test fails on purpose,
 * two pass, one of them serving and fetching over HTTP on `localhost`.
 */
function vitestRepo(version: string): string {
  const pkg = {
    name: "env-vitest",
    version: "1.0.0",
    private: true,
    type: "module",
    scripts: { test: "vitest run" },
    devDependencies: { vitest: version },
  };
  const dir = writeTree(temps, "patchbay-env-vitest-", {
    "package.json": `${JSON.stringify(pkg, null, 2)}\n`,
    ".gitignore": "node_modules/\n",
    "test/math.test.js":
      `import { expect, test } from "vitest";\n` +
      `test("adds", () => expect(1 + 1).toBe(2));\n` +
      `test("subtracts (wrong on purpose)", () => expect(2 - 1).toBe(3));\n`,
    "test/server.test.js":
      `import { createServer } from "node:http";\nimport { expect, test } from "vitest";\n` +
      `test("serves and fetches on localhost", async () => {\n` +
      `  const server = createServer((_req, res) => res.end("pong"));\n` +
      `  await new Promise((resolve) => server.listen(0, "localhost", resolve));\n` +
      `  const { port } = server.address();\n` +
      `  const body = await (await fetch(\`http://localhost:\${port}/\`)).text();\n` +
      `  await new Promise((resolve) => server.close(resolve));\n` +
      `  expect(body).toBe("pong");\n` +
      `});\n`,
  });
  execFileSync("npm", ["install", "--package-lock-only", "--no-audit", "--no-fund", "--ignore-scripts"], {
    cwd: dir,
    stdio: "ignore",
    timeout: 180_000,
  });
  return commitAll(dir);
}

beforeAll(async () => {
  if (!reachable) return;
  stack = await startStack(SCRIPTS, { PATCHBAY_SANDBOX_POOL_SIZE: "0" });
}, 180_000);

afterAll(async () => {
  await stack?.close();
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!reachable)(title, () => {
  it("npm ci through the proxy (host CA trusted); vitest's results are parsed; localhost resolves", async () => {
    if (!("registry" in host)) return;
    const url = vitestRepo(host.vitest);
    const { job, events } = await runJob(stack, { repo: { url }, task: "Look around.", model: "script:noop" });
    expect(job.status, JSON.stringify(job.error)).toBe("succeeded");
    const result = job.result!;
    expect(result.setup).toMatchObject({ commands: ["npm ci"], source: "detected" });
    expect(result.environment).toMatchObject({ status: "built" });
    // Setup reached only the host's registry (allowed by default), through CONNECT tunnels.
    const registryHost = new URL(host.registry).hostname;
    const network = networkEvents(events);
    expect(network.length).toBeGreaterThan(0);
    expect(network.every((n) => n.phase === "setup" && n.allowed && n.host === registryHost)).toBe(true);
    expect(result.network).toMatchObject({ denied: 0 });
    // vitest ran in the sandbox and its report was read.
    const before = result.checks.before[0]!;
    expect(before.command).toBe("npm test");
    expect(before.status, before.outputTail).toBe("failed");
    expect(before.counts).toEqual({ passed: 2, failed: 1, skipped: 0 });
    expect(before.report).toBe("output:vitest");
    expect(before.failedTests?.join("\n")).toContain("subtracts (wrong on purpose)");
    expect(before.outputTail).not.toMatch(/EAI_AGAIN|ENOTFOUND|getaddrinfo/);
    expect(result.checks.after[0]?.counts).toEqual({ passed: 2, failed: 1, skipped: 0 });
  }, 600_000);
});
