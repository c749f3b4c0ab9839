import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { DockerSandboxProvider, type Sandbox } from "@patchbay/sandbox";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { snapshotInto } from "./snapshot.js";

const JOB = `test-snapshot-${randomBytes(4).toString("hex")}`;
const provider = new DockerSandboxProvider({
  image: "patchbay/sandbox:1",
  defaults: { memoryMb: 512, pidsLimit: 256, workspaceMb: 256, tmpMb: 64, homeMb: 64 },
  pool: { size: 0 },
});
let dir: string;

/** A sandbox where "setup" left node_modules (2 MB: more than a stream buffers) in an untracked checkout and a file in the home. */
async function setupBox(): Promise<Sandbox> {
  const box = await provider.create({ jobId: JOB });
  const made = await box.exec(
    "git init -q && mkdir -p node_modules/dep && echo 'module.exports = 7;' > node_modules/dep/index.js && head -c 2000000 /dev/urandom > node_modules/dep/blob && echo cfg > ~/.toolrc",
  );
  expect(made.exitCode).toBe(0);
  return box;
}

const listed = (file: string) => execFileSync("tar", ["-tf", file], { encoding: "utf8" }).split("\n");

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), "patchbay-snapshot-"));
});

afterAll(async () => {
  await provider.destroyForJob(JOB);
  rmSync(dir, { recursive: true, force: true });
});

describe("snapshotInto", () => {
  it("streams what setup made into the agent's sandbox and onto the host in one pass", async () => {
    const [from, into] = await Promise.all([setupBox(), provider.create({ jobId: JOB })]);
    const file = path.join(dir, "one.tar");
    const snapshot = await snapshotInto(from, file, [], into);
    expect(await snapshot.restored).toBeUndefined();
    expect(snapshot.sizeBytes).toBeGreaterThan(0);
    expect(listed(file)).toEqual(
      expect.arrayContaining(["workspace/node_modules/dep/index.js", "home/sandbox/.toolrc"]),
    );
    const inAgent = await into.exec("node -p 'require(\"./node_modules/dep\")' && cat ~/.toolrc");
    expect(inAgent.stdout).toBe("7\ncfg\n");
  }, 120_000);

  it("a restore that fails still leaves the host file whole, and says why", async () => {
    const [from, into] = await Promise.all([setupBox(), provider.create({ jobId: JOB })]);
    await into.destroy();
    const file = path.join(dir, "two.tar");
    const snapshot = await snapshotInto(from, file, [], into);
    expect(await snapshot.restored).toBeInstanceOf(Error);
    expect(listed(file)).toEqual(expect.arrayContaining(["workspace/node_modules/dep/index.js"]));
  }, 120_000);
});
