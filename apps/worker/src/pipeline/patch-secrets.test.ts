import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { guardPatchText, WITHHELD_BINARY } from "./patch-secrets.js";
import { REDACTED, Redactor } from "./redact.js";

const SECRET = "sk_live_Zq8xV2kLm9rT4pW7";
const dir = mkdtempSync(path.join(tmpdir(), "patchbay-patch-secrets-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** `git diff --binary` of a change made by `edit` to a repository holding `files`. */
function diffOf(files: Record<string, Buffer | string>, edit: Record<string, Buffer | string>): string {
  const repo = mkdtempSync(path.join(dir, "r-"));
  const git = (...args: string[]) => execFileSync("git", args, { cwd: repo, encoding: "utf8" });
  for (const [name, content] of Object.entries(files)) writeFileSync(path.join(repo, name), content);
  git("init", "-q");
  git("add", "-A");
  git("-c", "user.name=t", "-c", "user.email=t@localhost", "commit", "-qm", "base");
  for (const [name, content] of Object.entries(edit)) writeFileSync(path.join(repo, name), content);
  git("add", "-A");
  return git("diff", "--cached", "--binary", "HEAD");
}

describe("guardPatchText", () => {
  const redactor = new Redactor([SECRET]);

  it("finds a secret inside a binary file that git sends as a delta, and withholds that file", () => {
    const blob = randomBytes(20_000);
    const changed = Buffer.concat([blob.subarray(0, 9000), Buffer.from(SECRET), blob.subarray(9000)]);
    const patch = diffOf({ "data.bin": blob, "a.txt": "a\n" }, { "data.bin": changed, "a.txt": "b\n" });
    expect(patch).toMatch(/^delta \d+$/m);
    const guarded = guardPatchText(patch, redactor);
    expect(guarded.secretsInPatch).toBe(true);
    expect(guarded.patch).toContain(WITHHELD_BINARY);
    expect(guarded.patch).toContain("+b");
  });

  it("finds a secret in a new binary file (literal) and redacts text forms, leaving clean files alone", () => {
    const bin = Buffer.concat([Buffer.from([0, 1, 2]), Buffer.from(SECRET), randomBytes(100)]);
    const b64 = Buffer.from(SECRET).toString("base64");
    const patch = diffOf(
      { "a.txt": "a\n" },
      { "new.bin": bin, "a.txt": `key=${b64}\n`, "ok.bin": Buffer.concat([Buffer.from([0]), randomBytes(64)]) },
    );
    expect(patch).toMatch(/^literal \d+$/m);
    const guarded = guardPatchText(patch, redactor);
    expect(guarded.secretsInPatch).toBe(true);
    expect(guarded.patch).toContain(`+key=${REDACTED}`);
    expect(guarded.patch.match(/GIT binary patch/g)).toHaveLength(1);
  });

  it("returns a patch without secrets unchanged and unflagged", () => {
    const patch = diffOf(
      { "a.txt": "a\n" },
      { "a.txt": "b\n", "x.bin": Buffer.concat([Buffer.from([0]), randomBytes(300)]) },
    );
    expect(guardPatchText(patch, redactor)).toEqual({ patch, secretsInPatch: false });
  });
});
