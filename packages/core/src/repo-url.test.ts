import { describe, expect, it } from "vitest";
import { nonPublicAddress } from "./addresses.js";
import { classifyRepoUrl, repoUrlHost, repoUrlProblem } from "./repo-url.js";

const strict = { allowFile: false };

describe("repo URL policy", () => {
  it("refuses a user or host part that git or ssh would read as an option", () => {
    for (const url of [
      "ssh://-oProxyCommand=touch%20/tmp/pwned@example.com/repo.git",
      "ssh://%2DoProxyCommand=x@example.com/repo.git",
      "ssh://git@-oProxyCommand=x/repo.git",
      "https://-x@example.com/repo.git",
      "-oProxyCommand=x:repo",
    ]) {
      expect(classifyRepoUrl(url), url).toBeNull();
      expect(repoUrlProblem(url, strict), url).not.toBeNull();
    }
    expect(classifyRepoUrl("ssh://git@example.com/repo.git")).toBe("ssh");
  });

  it("refuses loopback, link-local, private and unspecified hosts unless allowed", () => {
    for (const url of [
      "https://127.0.0.1/r.git",
      "https://127.0.0.1:6379/r.git",
      "https://localhost/r.git",
      "https://git.localhost/r.git",
      "https://[::1]/r.git",
      "https://[::ffff:127.0.0.1]/r.git",
      "https://0x7f.1/r.git",
      "https://2130706433/r.git",
      "https://0.0.0.0/r.git",
      "https://169.254.169.254/latest/meta-data",
      "https://10.1.2.3/r.git",
      "https://172.20.0.1/r.git",
      "https://192.168.1.1/r.git",
      "https://[fd00::1]/r.git",
      "https://[fe80::1]/r.git",
      "ssh://git@127.0.0.1/r.git",
      "ssh://git@0x7f.1/r.git",
      "git@10.0.0.1:team/r.git",
      "git@2130706433:team/r.git",
    ]) {
      expect(repoUrlProblem(url, strict), url).toContain("PATCHBAY_ALLOW_PRIVATE_REPOS");
      expect(repoUrlProblem(url, { allowFile: false, allowPrivate: true }), url).toBeNull();
    }
    for (const url of ["https://github.com/o/r.git", "https://8.8.8.8/r.git", "git@github.com:o/r.git"]) {
      expect(repoUrlProblem(url, strict), url).toBeNull();
    }
  });

  it("names the host the resolver will see", () => {
    expect(repoUrlHost("https://[::1]:8443/r.git")).toBe("::1");
    expect(repoUrlHost("git@Example.COM:o/r.git")).toBe("example.com");
    expect(repoUrlHost("ssh://git@0x7f.1/r")).toBe("127.0.0.1");
    expect(repoUrlHost("file:///tmp/r")).toBeNull();
  });

  it("classifies addresses, IPv4 inside IPv6 included", () => {
    expect(nonPublicAddress("127.0.0.53")).toBe("loopback");
    expect(nonPublicAddress("::ffff:7f00:1")).toBe("loopback");
    expect(nonPublicAddress("::ffff:10.0.0.1")).toBe("private");
    expect(nonPublicAddress("169.254.169.254")).toBe("link-local");
    expect(nonPublicAddress("::")).toBe("unspecified");
    expect(nonPublicAddress("93.184.216.34")).toBeNull();
    expect(nonPublicAddress("2606:4700::1111")).toBeNull();
    expect(nonPublicAddress("example.com")).toBeNull();
  });
});
