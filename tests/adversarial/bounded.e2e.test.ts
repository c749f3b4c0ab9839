import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { ModelScript } from "@patchbay/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { containersFor, fixtureRepo, type Stack, startStack, submit, waitTerminal } from "../e2e/stack.js";

const say = (text: string) => ({ type: "message", role: "assistant", content: [{ type: "output_text", text }] });
const shell = (...commands: string[]) => ({ type: "shell_call", action: { commands } });

const SCRIPTS: Record<string, ModelScript> = {
  // About 25 MB of text: more than the default PATCHBAY_MAX_PATCH_BYTES (20 MB).
  "huge-patch": {
    turns: [{ output: [shell("head -c 19000000 /dev/urandom | base64 -w 100 > blob.txt")] }, { output: [say("done")] }],
  },
  // Writes until /workspace is full.
  "fill-disk": {
    turns: [{ output: [shell("dd if=/dev/zero of=fill.bin bs=1M count=4000")] }, { output: [say("done")] }],
  },
  plain: { turns: [{ output: [say("nothing to do")] }] },
};

let stack: Stack;
const repo = fixtureRepo();
const manyFiles = fixtureRepo();

beforeAll(async () => {
  // A repository that expands to more files than the operator allows.
  mkdirSync(path.join(manyFiles.dir, "gen"));
  for (let i = 0; i < 60; i++) writeFileSync(path.join(manyFiles.dir, "gen", `f${i}.txt`), `${i}\n`);
  execFileSync("git", ["add", "-A"], { cwd: manyFiles.dir });
  execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@localhost", "commit", "-qm", "many"], {
    cwd: manyFiles.dir,
  });
  stack = await startStack(SCRIPTS, {
    PATCHBAY_SANDBOX_POOL_SIZE: "0",
    PATCHBAY_SANDBOX_MAX_MEMORY_MB: "1024",
    PATCHBAY_SANDBOX_MAX_CPUS: "2",
    PATCHBAY_MAX_REPO_FILES: "40",
  });
});

afterAll(async () => {
  await stack.close();
  repo.remove();
  manyFiles.remove();
});

describe("operator maxima for a JobSpec's sandbox", () => {
  it("refuses memoryMb and cpus above them with a 400 naming the field and the maximum", async () => {
    const base = { repo: { url: repo.url }, task: "t", model: "script:plain" };
    const memory = await submit(stack.api, { ...base, sandbox: { memoryMb: 65536 } });
    expect(memory.status).toBe(400);
    const memoryError = (memory.job as unknown as { error: { code: string; message: string } }).error;
    expect(memoryError.code).toBe("invalid_request");
    expect(memoryError.message).toContain("sandbox.memoryMb");
    expect(memoryError.message).toContain("at most 1024");
    const cpus = await submit(stack.api, { ...base, sandbox: { cpus: 64 } });
    expect(cpus.status).toBe(400);
    expect(JSON.stringify(cpus.job)).toContain("at most 2 (PATCHBAY_SANDBOX_MAX_CPUS)");
    expect((await submit(stack.api, { ...base, sandbox: { memoryMb: 1024, cpus: 2 } })).status).toBe(202);
  });
});

describe("caps with clear errors", () => {
  it("fails a checkout with more files than PATCHBAY_MAX_REPO_FILES as repo_too_large", async () => {
    const { job } = await submit(stack.api, { repo: { url: manyFiles.url }, task: "t", model: "script:plain" });
    const done = await waitTerminal(stack.api, job.id, 60_000);
    expect(done.status).toBe("failed");
    expect(done.error?.code).toBe("repo_too_large");
    expect(done.error?.message).toContain("PATCHBAY_MAX_REPO_FILES allows 40");
  });

  it("fails a change bigger than the patch limit as patch_too_large and stores no patch", async () => {
    const { job } = await submit(stack.api, { repo: { url: repo.url }, task: "t", model: "script:huge-patch" });
    const done = await waitTerminal(stack.api, job.id, 150_000);
    expect(done.status).toBe("failed");
    expect(done.error?.code).toBe("patch_too_large");
    expect(done.error?.message).toContain("PATCHBAY_MAX_PATCH_BYTES");
    const patch = await fetch(`${stack.api}/v1/jobs/${job.id}/patch`);
    expect(patch.status).toBe(409);
    expect(containersFor(job.id)).toEqual([]);
  }, 180_000);

  it("reports a filled /workspace as disk_limit, not as an out-of-memory sandbox failure", async () => {
    const { job } = await submit(stack.api, {
      repo: { url: repo.url },
      task: "fill the disk",
      model: "script:fill-disk",
      sandbox: { memoryMb: 512 },
    });
    const done = await waitTerminal(stack.api, job.id, 150_000);
    expect(done.error?.code).toBe("disk_limit");
    expect(done.status).toBe("failed");
    expect(done.error?.message).toMatch(/\/workspace \(256 MiB\)/);
    expect(containersFor(job.id)).toEqual([]);
  }, 180_000);
});
