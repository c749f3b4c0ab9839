import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cloneRepository } from "../../apps/worker/src/pipeline/clone.js";
import { JobSecrets } from "../../apps/worker/src/pipeline/secrets.js";
import { type GitHttpsServer, startGitHttpsServer } from "./git-https-server.js";

// GIT_HTTPS_TOKEN used to go to whatever origin repo.url named. A job may name any URL, so the
// token must go only to the hosts the project bound it to (GIT_HTTPS_HOSTS).
const TOKEN = "ghp_bound_token_1234567890abcdef";
let server: GitHttpsServer;
let work: string;

beforeAll(async () => {
  server = await startGitHttpsServer();
  work = mkdtempSync(path.join(tmpdir(), "patchbay-cred-hosts-"));
  const src = path.join(work, "src");
  const git = (cwd: string, ...args: string[]) => execFileSync("git", args, { cwd, stdio: "pipe" });
  execFileSync("mkdir", ["-p", src]);
  writeFileSync(path.join(src, "README.md"), "private\n");
  git(src, "init", "-q", "-b", "main");
  git(src, "add", "-A");
  git(src, "-c", "user.name=t", "-c", "user.email=t@localhost", "commit", "-qm", "base");
  git(work, "clone", "-q", "--bare", src, path.join(server.root, "repo.git"));
});

afterAll(async () => {
  await server?.close();
  rmSync(work, { recursive: true, force: true });
});

async function clone(secrets: Record<string, string>, url: string) {
  const job = new JobSecrets(secrets);
  const credentials = await job.gitCredentials(url, work);
  const env = { ...credentials.env, GIT_SSL_CAINFO: server.caFile };
  const options = { timeoutMs: 30_000, hostPath: process.env.PATH ?? "/usr/bin:/bin", env };
  try {
    const checkout = await cloneRepository({ url }, work, options);
    await checkout.remove();
    return { ok: true, note: credentials.note };
  } catch {
    return { ok: false, note: credentials.note };
  } finally {
    await credentials.remove();
  }
}

const authorizedTo = (host: string) =>
  server.seen.filter((r) => r.host.startsWith(`${host}:`) && r.authorization !== undefined);

describe("git credentials are bound to their hosts", () => {
  it("sends the token to a bound host, and the clone of the private repository works", async () => {
    const result = await clone(
      { GIT_HTTPS_TOKEN: TOKEN, GIT_HTTPS_HOSTS: `localhost:${server.port}` },
      `https://localhost:${server.port}/repo.git`,
    );
    expect(result.ok).toBe(true);
    expect(authorizedTo("localhost").length).toBeGreaterThan(0);
    const sent = authorizedTo("localhost")[0]!.authorization!;
    expect(Buffer.from(sent.replace("Basic ", ""), "base64").toString()).toBe(`x-access-token:${TOKEN}`);
  });

  it("never sends the token to a host it is not bound to, named directly or reached by a redirect", async () => {
    const bound = { GIT_HTTPS_TOKEN: TOKEN, GIT_HTTPS_HOSTS: `localhost:${server.port}` };
    const before = server.seen.length;
    const direct = await clone(bound, `https://127.0.0.1:${server.port}/repo.git`);
    expect(direct.ok).toBe(false);
    expect(direct.note).toContain("GIT_HTTPS_HOSTS");
    const redirected = await clone(bound, `https://localhost:${server.port}/moved/repo.git`);
    expect(redirected.ok).toBe(false);
    const seen = server.seen.slice(before);
    expect(seen.some((r) => r.host.startsWith("127.0.0.1:"))).toBe(true);
    expect(seen.filter((r) => r.host.startsWith("127.0.0.1:") && r.authorization)).toEqual([]);
  });

  it("sends the token nowhere when the project names no hosts", async () => {
    const before = server.seen.length;
    const result = await clone({ GIT_HTTPS_TOKEN: TOKEN }, `https://localhost:${server.port}/repo.git`);
    expect(result.ok).toBe(false);
    expect(result.note).toContain("GIT_HTTPS_HOSTS");
    const seen = server.seen.slice(before);
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.filter((r) => r.authorization)).toEqual([]);
  });
});
