import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { PatchbayError } from "@patchbay/core";
import { afterAll, describe, expect, it } from "vitest";
import { JobSecrets } from "./secrets.js";

const tmp = mkdtempSync(path.join(tmpdir(), "patchbay-secrets-test-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("JobSecrets", () => {
  it("gives an https token to git as a header scoped to the repository's origin, not in the URL", async () => {
    const secrets = new JobSecrets({ GIT_HTTPS_TOKEN: "ghp_abcdefghijklmnop", GIT_HTTPS_HOSTS: "git.example.com" });
    const creds = await secrets.gitCredentials("https://git.example.com/team/repo.git", tmp);
    expect(creds.env.GIT_CONFIG_KEY_0).toBe("http.https://git.example.com/.extraHeader");
    const header = creds.env.GIT_CONFIG_VALUE_0 ?? "";
    expect(Buffer.from(header.replace("Authorization: Basic ", ""), "base64").toString()).toBe(
      "x-access-token:ghp_abcdefghijklmnop",
    );
  });

  it("writes an SSH key to a private file for ssh URLs and removes it afterwards", async () => {
    const secrets = new JobSecrets({
      GIT_SSH_KEY: "-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n-----END OPENSSH PRIVATE KEY-----",
      GIT_SSH_HOSTS: "git.example.com",
    });
    const creds = await secrets.gitCredentials("git@git.example.com:team/repo.git", tmp);
    const keyFile = /-i '([^']+)'/.exec(creds.env.GIT_SSH_COMMAND ?? "")?.[1] ?? "";
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(readFileSync(keyFile, "utf8")).toContain("BEGIN OPENSSH PRIVATE KEY");
    await creds.remove();
    expect(() => statSync(keyFile)).toThrow();
  });

  it("binds the https token to GIT_HTTPS_HOSTS: another host, port or scheme gets nothing, and a note says why", async () => {
    const token = "ghp_abcdefghijklmnop";
    const bound = new JobSecrets({ GIT_HTTPS_TOKEN: token, GIT_HTTPS_HOSTS: "git.example.com, Git.Internal:8443" });
    const given = async (url: string) => JSON.stringify((await bound.gitCredentials(url, tmp)).env) !== "{}";
    expect(await given("https://git.example.com/r.git")).toBe(true);
    expect(await given("https://git.example.com:443/r.git")).toBe(true);
    expect(await given("https://GIT.example.com/r.git")).toBe(true);
    expect(await given("https://git.internal:8443/r.git")).toBe(true);
    expect(await given("https://git.internal/r.git")).toBe(false);
    expect(await given("https://evil.example.net/r.git")).toBe(false);
    expect(await given("https://git.example.com.evil.net/r.git")).toBe(false);
    expect(await given("https://sub.git.example.com/r.git")).toBe(false);
    expect(await given("https://git.example.com@evil.net/r.git")).toBe(false);
    expect(await given("file:///srv/git.example.com/r.git")).toBe(false);
    const refused = await bound.gitCredentials("https://evil.example.net/r.git", tmp);
    expect(refused.note).toContain("GIT_HTTPS_HOSTS");
    expect(refused.note).toContain("evil.example.net");
    // Without GIT_HTTPS_HOSTS the token goes nowhere.
    const unbound = new JobSecrets({ GIT_HTTPS_TOKEN: token });
    expect((await unbound.gitCredentials("https://git.example.com/r.git", tmp)).env).toEqual({});
  });

  it("binds the SSH key to GIT_SSH_HOSTS, for ssh:// and scp-like URLs", async () => {
    const key = "-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n-----END OPENSSH PRIVATE KEY-----";
    const secrets = new JobSecrets({ GIT_SSH_KEY: key, GIT_SSH_HOSTS: "git.example.com,ssh.internal:2222" });
    const keyed = async (url: string) => {
      const creds = await secrets.gitCredentials(url, tmp);
      await creds.remove();
      return creds.env.GIT_SSH_COMMAND !== undefined;
    };
    expect(await keyed("git@git.example.com:team/repo.git")).toBe(true);
    expect(await keyed("ssh://git@git.example.com/team/repo.git")).toBe(true);
    expect(await keyed("ssh://git@git.example.com:22/team/repo.git")).toBe(true);
    expect(await keyed("ssh://git@ssh.internal:2222/repo.git")).toBe(true);
    expect(await keyed("ssh://git@ssh.internal/repo.git")).toBe(false);
    expect(await keyed("git@evil.example.net:team/repo.git")).toBe(false);
    expect(await keyed("ssh://git@evil.example.net/repo.git")).toBe(false);
    expect(await keyed("file:///srv/repo.git")).toBe(false);
    expect(await keyed("/srv/repo.git")).toBe(false);
    expect((await new JobSecrets({ GIT_SSH_KEY: key }).gitCredentials("git@git.example.com:r.git", tmp)).env).toEqual(
      {},
    );
  });

  it("does not treat the host lists as secrets (host names would be redacted everywhere)", () => {
    const secrets = new JobSecrets({ GIT_HTTPS_TOKEN: "ghp_abcdefghijklmnop", GIT_HTTPS_HOSTS: "git.example.com" });
    expect(secrets.values()).toEqual(["ghp_abcdefghijklmnop"]);
    expect(secrets.redact("cloned git.example.com")).toBe("cloned git.example.com");
  });

  it("gives no credentials when the project has none, and all secrets to setup as env", async () => {
    const secrets = new JobSecrets({ NPM_TOKEN: "npm_secret_value" });
    expect((await secrets.gitCredentials("https://h/r.git", tmp)).env).toEqual({});
    expect(secrets.setupEnv()).toEqual({ NPM_TOKEN: "npm_secret_value" });
  });

  it("keeps the webhook and notification signing secrets out of setup's environment", () => {
    const secrets = new JobSecrets({ NPM_TOKEN: "npm_x", NOTIFY_SECRET: "sign_x", GITHUB_WEBHOOK_SECRET: "hook_x" });
    expect(secrets.setupEnv()).toEqual({ NPM_TOKEN: "npm_x" });
  });

  it("scrubs secrets from a job result's check output and summary, in encoded forms too", () => {
    const secrets = new JobSecrets({ NPM_TOKEN: "npm_secret_value_0123" });
    const b64 = Buffer.from("npm_secret_value_0123").toString("base64");
    const result = { summary: "token npm_secret_value_0123", checks: { after: [{ outputTail: `env: ${b64}\n` }] } };
    expect(JSON.stringify(secrets.redactValue(result))).not.toMatch(/npm_secret|bnBtX3Nl/);
    expect(secrets.redactValue(result).checks.after[0]?.outputTail).toBe("env: [redacted]\n");
  });

  it("scrubs secrets from error messages", () => {
    const secrets = new JobSecrets({ NPM_TOKEN: "npm_secret_value" });
    const err = secrets.redactError(new PatchbayError("setup_failed", "npm: bad token npm_secret_value"));
    expect(err.code).toBe("setup_failed");
    expect(err.message).toBe("npm: bad token [redacted]");
  });
});
