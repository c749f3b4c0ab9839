import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exampleScript, fixtureRepo, rawFetch, type Stack, startStack } from "./stack.js";

const ROOT = path.resolve(import.meta.dirname, "../..");
let stack: Stack;
const repo = fixtureRepo();
// An empty folder, as on a CI runner: no node_modules, no source tree, not a git checkout.
const runner = mkdtempSync(path.join(tmpdir(), "patchbay-cli-runner-"));
const cli = path.join(runner, "patchbay.mjs");

/** Runs a program asynchronously (the stack lives in this process: a sync spawn would stall it). */
function run(command: string, args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const env = { PATH: process.env.PATH ?? "", HOME: runner, PATCHBAY_URL: stack.api, PATCHBAY_API_KEY: stack.key };
  const child = spawn(command, args, { cwd: runner, env });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => (stdout += d));
  child.stderr.on("data", (d) => (stderr += d));
  return new Promise((resolve) => child.on("close", (status) => resolve({ status, stdout, stderr })));
}

/** The downloaded CLI, run in the runner folder with only PATH, HOME and the API's address and key. */
const patchbay = (args: string[]) => run("node", [cli, ...args]);

beforeAll(async () => {
  execFileSync("node", [path.join(ROOT, "apps/cli/scripts/build.mjs"), "--if-stale"], { stdio: "inherit" });
  stack = await startStack({ "fix-cart-bug": await exampleScript("fix-cart-bug") });
});

afterAll(async () => {
  await stack.close();
  repo.remove();
  rmSync(runner, { recursive: true, force: true });
});

describe("the CLI served by the API", () => {
  it("downloads without a key, versioned, and submit --wait fixes a repository from an empty folder (exit 0)", async () => {
    const res = await rawFetch(`${stack.api}/cli.mjs`);
    expect(res.status).toBe(200);
    const version = res.headers.get("x-patchbay-version");
    expect(version).toMatch(/^\d+\.\d+\.\d+/);
    const text = await res.text();
    expect(text).toContain(`// patchbay CLI ${version}`);
    expect(text).not.toMatch(/@prisma|PrismaClient/);
    writeFileSync(cli, text);
    expect(readdirSync(runner)).toEqual(["patchbay.mjs"]);

    const submitted = await patchbay([
      "submit",
      ...["--repo", repo.url, "--task", "The cart tests fail. Fix src/cart.js.", "--model", "script:fix-cart-bug"],
      "--wait",
      "--quiet",
    ]);
    expect(submitted.stderr).toBe("");
    expect(submitted.status).toBe(0);
    const [id] = submitted.stdout.split("\n");
    const job = (await (await fetch(`${stack.api}/v1/jobs/${id}`)).json()) as { status: string };
    expect(job.status).toBe("succeeded");
    expect((await patchbay(["version"])).stdout.trim()).toBe(version);

    // `logs | head`: the closed pipe ends the CLI quietly, with no EPIPE stack trace.
    const piped = await run("bash", ["-c", `node "${cli}" logs ${id} --json | head -c 1 >/dev/null`]);
    expect(piped.stderr).toBe("");
  }, 150_000);

  it("help: bare, --help, -h, help, help <command> and <command> --help exit 0; per-command text", async () => {
    for (const args of [[], ["--help"], ["-h"], ["help"]]) {
      const help = await patchbay(args);
      expect(help.status, args.join(" ")).toBe(0);
      expect(help.stdout).toContain("usage: patchbay <command>");
    }
    for (const args of [
      ["help", "submit"],
      ["submit", "--help"],
    ]) {
      const help = await patchbay(args);
      expect(help.status, args.join(" ")).toBe(0);
      expect(help.stdout).toMatch(/^patchbay submit --task TEXT/);
      expect(help.stdout).not.toContain("patchbay logs");
    }
    // Operator commands are not in the download (they open the database).
    expect((await patchbay(["keys", "list"])).status).toBe(3);
    expect((await patchbay(["help", "nonsense"])).status).toBe(3);
  });
});
