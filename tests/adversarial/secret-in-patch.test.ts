import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { PatchbayError } from "@patchbay/core";
import { DockerSandboxProvider, type Sandbox, tarDirectory } from "@patchbay/sandbox";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { collectPatch } from "../../apps/worker/src/pipeline/finalize.js";
import { WITHHELD_BINARY } from "../../apps/worker/src/pipeline/patch-secrets.js";
import { pushForJob } from "../../apps/worker/src/pipeline/push.js";
import { JobSecrets } from "../../apps/worker/src/pipeline/secrets.js";
import { leaksSecret } from "./leak-check.js";

// The agent can read a secret that sits in the checkout (a token committed by mistake, a file
// setup wrote) and put it into its change, encoded or inside a binary file. The stored patch
// must not carry it, and the change must never be pushed.
const SECRET = `dpl_${randomBytes(16).toString("hex")}`;
const jobId = `test-adv-patch-${randomBytes(4).toString("hex")}`;
const provider = new DockerSandboxProvider({
  image: "patchbay/sandbox:1",
  defaults: { memoryMb: 512, pidsLimit: 256, workspaceMb: 256, tmpMb: 64, homeMb: 64 },
  killGraceMs: 500,
});
let dir: string;
let remote: string;
let base: string;

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), "patchbay-adv-patch-"));
  const repo = path.join(dir, "repo");
  remote = path.join(dir, "remote.git");
  execFileSync("mkdir", ["-p", repo]);
  const git = (...args: string[]) => execFileSync("git", args, { cwd: repo, encoding: "utf8" }).trim();
  writeFileSync(path.join(repo, "deploy.env"), `TOKEN=${SECRET}\n`);
  writeFileSync(path.join(repo, "app.js"), "export const a = 1;\n");
  git("init", "-q", "-b", "main");
  git("add", "-A");
  git("-c", "user.name=t", "-c", "user.email=t@localhost", "commit", "-qm", "base");
  base = git("rev-parse", "HEAD");
  execFileSync("git", ["clone", "-q", "--bare", repo, remote]);
});

afterAll(async () => {
  await provider.destroyForJob(jobId);
  rmSync(dir, { recursive: true, force: true });
});

async function sandbox(): Promise<Sandbox> {
  const box = await provider.create({ jobId });
  await box.putTar(tarDirectory(path.join(dir, "repo")));
  return box;
}

const secrets = new JobSecrets({ DEPLOY_TOKEN: SECRET });
const settings = { workDir: tmpdir(), hostPath: process.env.PATH ?? "/usr/bin:/bin" };
const push = (patch: string, secretsInPatch: boolean | undefined, branch: string) =>
  pushForJob({
    jobId,
    spec: { repo: { url: `file://${remote}` }, task: "t", output: { branch } },
    baseCommit: base,
    patch,
    summary: null,
    settings,
    ...(secretsInPatch === undefined ? {} : { secretsInPatch }),
  });
const branches = () => execFileSync("git", ["-C", remote, "branch", "--list"], { encoding: "utf8" });

describe("a change that carries a project secret", () => {
  it("is stored redacted (text and binary files), flagged, and refused for push", async () => {
    const box = await sandbox();
    const exec = await box.exec(
      [
        "t=$(sed -n 's/^TOKEN=//p' deploy.env)",
        'printf "export const key = \\"%s\\";\\n" "$(printf %s "$t" | base64)" > config.js',
        'printf "%s\\n" "$t" | rev > notes.txt',
        'printf "%s" "$t" | od -An -tx1 | tr -d " \\n" > hex.txt',
        '{ printf "\\0\\1bin"; printf %s "$t"; head -c 2000 /dev/urandom; } > blob.bin',
        "echo 'export const a = 2;' > app.js",
      ].join("\n"),
    );
    expect(exec.exitCode, exec.stderr).toBe(0);
    const collected = await collectPatch(box, base);
    await box.destroy();
    expect(collected.patch).toContain("GIT binary patch");
    expect(leaksSecret(collected.patch, SECRET)).toBe(true);

    const stored = secrets.guardPatch(collected);
    expect(stored.secretsInPatch).toBe(true);
    expect(leaksSecret(stored.patch, SECRET)).toBe(false);
    expect(stored.patch).toContain(WITHHELD_BINARY.trim());
    expect(stored.patch).toContain("+export const a = 2;");

    const refused = await push(stored.patch, stored.secretsInPatch, "leak").then(
      () => null,
      (err: unknown) => err,
    );
    expect(refused).toBeInstanceOf(PatchbayError);
    expect((refused as PatchbayError).code).toBe("push_failed");
    expect((refused as PatchbayError).message).toContain("secret");
    expect(branches()).not.toContain("leak");
  });

  it("a change without one is left as it is and pushed", async () => {
    const box = await sandbox();
    expect((await box.exec("echo 'export const a = 3;' > app.js")).exitCode).toBe(0);
    const collected = await collectPatch(box, base);
    await box.destroy();
    const stored = secrets.guardPatch(collected);
    expect(stored).toBe(collected);
    expect(stored.secretsInPatch).toBeUndefined();
    const pushed = await push(stored.patch, stored.secretsInPatch, "clean");
    expect(pushed?.branch).toBe("clean");
    expect(branches()).toContain("clean");
  });
});
