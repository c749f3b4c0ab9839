import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCommand } from "./child.js";
import type { NpmPackageSpec } from "./npm-publish.js";
import { type NpmRegistry, startNpmRegistry } from "./npm-registry.js";

// The host's npm settings (and an outer `npm run`'s npm_config_*) must not reach the install.
function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_config_/i.test(key)));
}

const CHAIN: NpmPackageSpec[] = [
  { name: "pb-leaf", version: "1.0.0", files: { "index.js": "module.exports = 40;\n" } },
  {
    name: "pb-mid",
    version: "1.2.0",
    files: { "index.js": "module.exports = require('pb-leaf') + 1;\n" },
    dependencies: { "pb-leaf": "^1.0.0" },
  },
  {
    name: "@pb/top",
    version: "3.0.0",
    files: { "index.js": "module.exports = require('pb-mid') + 1;\n", "README.md": "# top\n" },
    dependencies: { "pb-mid": "~1.2.0" },
  },
];

describe("startNpmRegistry", () => {
  let registry: NpmRegistry;
  let work: string;

  beforeAll(async () => {
    registry = await startNpmRegistry({ packages: CHAIN });
    work = await mkdtemp(join(tmpdir(), "pb-npm-install-"));
  });

  afterAll(async () => {
    await registry?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it("serves a published dependency chain to a real npm install", async () => {
    const project = join(work, "app");
    const userconfig = join(work, "npmrc");
    await writeFile(userconfig, `registry=${registry.url}\n`);
    await mkdir(project);
    await writeFile(join(project, "package.json"), JSON.stringify({ name: "app", version: "1.0.0", private: true }));
    const npmArgs = ["--userconfig", userconfig, "--cache", join(work, "cache"), "--no-audit", "--no-fund"];
    const install = await runCommand("npm", ["install", "@pb/top@3.0.0", ...npmArgs], {
      cwd: project,
      env: cleanEnv(),
    });
    expect(install.stderr).not.toMatch(/ERR!/);
    expect(install.code).toBe(0);

    const run = await runCommand("node", ["-e", "console.log(require('@pb/top'))"], { cwd: project });
    expect(run.stdout.trim()).toBe("42");
    const lock = JSON.parse(await readFile(join(project, "package-lock.json"), "utf8")) as {
      packages: Record<string, { version?: string; resolved?: string }>;
    };
    expect(lock.packages["node_modules/pb-mid"]?.version).toBe("1.2.0");
    expect(lock.packages["node_modules/pb-leaf"]?.version).toBe("1.0.0");
    expect(lock.packages["node_modules/@pb/top"]?.resolved).toBe(`${registry.url}@pb/top/-/top-3.0.0.tgz`);
  });

  it("publishes later versions and has no uplink by default", async () => {
    await registry.publish([{ name: "pb-leaf", version: "1.1.0", files: { "index.js": "module.exports = 41;\n" } }]);
    const meta = (await (await fetch(new URL("pb-leaf", registry.url))).json()) as { "dist-tags": { latest: string } };
    expect(meta["dist-tags"].latest).toBe("1.1.0");
    // A package nobody published here is not fetched from anywhere else.
    expect((await fetch(new URL("is-number", registry.url))).status).toBe(404);
  });

  it("rejects a package spec that is not publishable before running npm", async () => {
    await expect(registry.publish([{ name: "Bad Name", version: "1.0.0", files: {} }])).rejects.toThrow(
      /valid npm package name/,
    );
    await expect(registry.publish([{ name: "pb-x", version: "1.0.0", files: { "../escape.js": "" } }])).rejects.toThrow(
      /relative/,
    );
  });

  it("with uplink: true, fetches what it lacks from the registry the host's npm uses", async () => {
    const proxying = await startNpmRegistry({ uplink: true });
    try {
      const res = await fetch(new URL("is-number", proxying.url));
      expect(res.status).toBe(200);
      const meta = (await res.json()) as { versions: Record<string, { dist: { tarball: string } }> };
      // Tarballs are served through Verdaccio, not straight from the upstream.
      expect(meta.versions["7.0.0"]?.dist.tarball).toBe(`${proxying.url}is-number/-/is-number-7.0.0.tgz`);
    } finally {
      await proxying.close();
    }
  });

  it("gives up on a start-up that takes longer than startTimeoutMs", async () => {
    await expect(startNpmRegistry({ startTimeoutMs: 1 })).rejects.toThrow(/did not start within 1 ms/);
  });

  it("close() stops the server and removes its files", async () => {
    const other = await startNpmRegistry();
    expect((await fetch(new URL("-/ping", other.url))).status).toBe(200);
    await other.close();
    expect(existsSync(other.logPath)).toBe(false);
    await expect(fetch(new URL("-/ping", other.url))).rejects.toThrow();
  });
});
