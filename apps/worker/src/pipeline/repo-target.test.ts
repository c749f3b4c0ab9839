import { describe, expect, it } from "vitest";
import { addGitConfig, checkRepoTarget, type Resolver, repoTargetEnv } from "./repo-target.js";

const answers = (map: Record<string, string[]>): Resolver => {
  return async (host) => {
    const found = map[host];
    if (!found) throw new Error("ENOTFOUND");
    return found.map((address) => ({ address, family: address.includes(":") ? 6 : 4 }));
  };
};
const resolve = answers({
  "git.example.com": ["93.184.216.34", "2606:2800:220:1::1"],
  "rebound.example.com": ["93.184.216.34", "127.0.0.1"],
  "internal.example.com": ["10.0.0.5"],
  "metadata.example.com": ["169.254.169.254"],
});
const strict = { allowPrivate: false, resolve };

describe("checkRepoTarget", () => {
  it("refuses hosts that are, or resolve to, loopback, private or link-local addresses, with one message", async () => {
    const refusals = await Promise.all(
      [
        "https://internal.example.com/r.git",
        "https://rebound.example.com:8443/r.git",
        "https://metadata.example.com/latest",
        "ssh://git@internal.example.com/r.git",
        "git@internal.example.com:team/r.git",
        "https://127.0.0.1:6379/r.git",
        "https://localhost/r.git",
      ].map((url) =>
        checkRepoTarget(url, strict).then(
          () => "accepted",
          (err: Error) => err.message.replace(url, "URL"),
        ),
      ),
    );
    expect(new Set(refusals)).toEqual(
      new Set([
        "could not clone URL: its host is on a loopback, link-local or private network, which this server does not clone from (PATCHBAY_ALLOW_PRIVATE_REPOS)",
      ]),
    );
    await expect(checkRepoTarget("https://nowhere.example.com/r.git", strict)).rejects.toMatchObject({
      code: "repo_clone_failed",
      message: expect.stringContaining("does not resolve"),
    });
  });

  it("pins an https clone to the checked addresses and turns redirects off", async () => {
    const target = await checkRepoTarget("https://git.example.com/team/r.git", strict);
    expect(target.gitConfig).toEqual([
      ["http.followRedirects", "false"],
      ["http.curloptResolve", "git.example.com:443:93.184.216.34,[2606:2800:220:1::1]"],
    ]);
    expect((await checkRepoTarget("git@git.example.com:team/r.git", strict)).gitConfig).toEqual([
      ["http.followRedirects", "false"],
    ]);
  });

  it("pins an ssh clone to the first checked address, the host key checked under the URL's name", async () => {
    const url = await checkRepoTarget("ssh://git@Git.Example.com:2222/team/r.git", strict);
    expect(url.ssh).toEqual({ address: "93.184.216.34", hostKeyAlias: "[git.example.com]:2222" });
    const scp = await checkRepoTarget("git@git.example.com:team/r.git", strict);
    expect(scp.ssh).toEqual({ address: "93.184.216.34", hostKeyAlias: "git.example.com" });
    expect(repoTargetEnv({}, scp).GIT_SSH_COMMAND).toBe(
      "ssh '-o' 'HostName=93.184.216.34' '-o' 'HostKeyAlias=git.example.com'",
    );
    // A literal address is not resolved again by ssh; https is pinned by curl's resolve list.
    expect((await checkRepoTarget("ssh://git@93.184.216.34/r.git", strict)).ssh).toBeUndefined();
    expect((await checkRepoTarget("https://git.example.com/r.git", strict)).ssh).toBeUndefined();
    expect(repoTargetEnv({}, await checkRepoTarget("https://git.example.com/r.git", strict)).GIT_SSH_COMMAND).toBe(
      undefined,
    );
  });

  it("pins ssh to the answer that was checked, whatever the name answers later", async () => {
    let calls = 0;
    const rebinding: Resolver = async () => [{ address: calls++ === 0 ? "93.184.216.34" : "127.0.0.1", family: 4 }];
    const target = await checkRepoTarget("ssh://git@rebind.example.com/r.git", {
      allowPrivate: false,
      resolve: rebinding,
    });
    expect(calls).toBe(1);
    expect(repoTargetEnv({}, target).GIT_SSH_COMMAND).toContain("'HostName=93.184.216.34'");
  });

  it("leaves everything alone when the operator allows private targets, and file URLs to admission", async () => {
    expect(await checkRepoTarget("https://internal.example.com/r.git", { allowPrivate: true, resolve })).toEqual({
      gitConfig: [],
    });
    expect(await checkRepoTarget("file:///srv/r.git", strict)).toEqual({ gitConfig: [] });
  });

  it("adds git configuration after the credentials' own", () => {
    const env = { GIT_CONFIG_COUNT: "1", GIT_CONFIG_KEY_0: "http.extraHeader", GIT_CONFIG_VALUE_0: "x" };
    expect(addGitConfig(env, [["http.followRedirects", "false"]])).toEqual({
      ...env,
      GIT_CONFIG_COUNT: "2",
      GIT_CONFIG_KEY_1: "http.followRedirects",
      GIT_CONFIG_VALUE_1: "false",
    });
  });
});
