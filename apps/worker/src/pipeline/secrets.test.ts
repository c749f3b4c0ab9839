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
    const secrets = new JobSecrets({ GIT_HTTPS_TOKEN: "ghp_abcdefghijklmnop" });
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
    });
    const creds = await secrets.gitCredentials("git@git.example.com:team/repo.git", tmp);
    const keyFile = /-i '([^']+)'/.exec(creds.env.GIT_SSH_COMMAND ?? "")?.[1] ?? "";
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(readFileSync(keyFile, "utf8")).toContain("BEGIN OPENSSH PRIVATE KEY");
    await creds.remove();
    expect(() => statSync(keyFile)).toThrow();
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

  it("scrubs secrets from error messages", () => {
    const secrets = new JobSecrets({ NPM_TOKEN: "npm_secret_value" });
    const err = secrets.redactError(new PatchbayError("setup_failed", "npm: bad token npm_secret_value"));
    expect(err.code).toBe("setup_failed");
    expect(err.message).toBe("npm: bad token [redacted]");
  });
});
