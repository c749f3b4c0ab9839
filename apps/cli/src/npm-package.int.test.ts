import { execFile, execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { type NpmRegistry, startNpmRegistry } from "@patchbay/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const PACK = path.resolve(import.meta.dirname, "../scripts/pack.mjs");
const work = mkdtempSync(path.join(tmpdir(), "patchbay-cli-npm-"));
let registry: NpmRegistry;
let tarball = "";

beforeAll(async () => {
  tarball = execFileSync("node", [PACK, "--out", path.join(work, "out")], { encoding: "utf8" }).trim();
  // Published as an operator would publish the tarball to their own registry.
  const unpacked = path.join(work, "unpacked");
  execFileSync("mkdir", ["-p", unpacked]);
  execFileSync("tar", ["-xzf", tarball, "-C", unpacked]);
  const read = (name: string) => readFileSync(path.join(unpacked, "package", name), "utf8");
  const manifest = JSON.parse(read("package.json")) as { name: string; version: string };
  registry = await startNpmRegistry({
    packages: [
      {
        name: manifest.name,
        version: manifest.version,
        files: { "package.json": read("package.json"), "patchbay.mjs": read("patchbay.mjs") },
      },
    ],
  });
}, 180_000);

afterAll(async () => {
  await registry?.close();
  rmSync(work, { recursive: true, force: true });
});

/** `npx -p @patchbay/cli patchbay …` in an empty folder, against the loopback registry only. */
function npx(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const runner = mkdtempSync(path.join(work, "runner-"));
  const env = {
    PATH: process.env.PATH ?? "",
    HOME: runner,
    npm_config_registry: registry.url,
    npm_config_cache: path.join(runner, ".npm"),
    npm_config_update_notifier: "false",
  };
  return new Promise((resolve) =>
    execFile(
      "npx",
      ["--yes", "-p", "@patchbay/cli", "patchbay", ...args],
      { cwd: runner, env },
      (err, stdout, stderr) => resolve({ code: err ? Number(err.code) : 0, stdout, stderr }),
    ),
  );
}

describe("the npm package of the CLI", () => {
  it("holds only the self-contained CLI (no dependencies) under a patchbay bin, versioned with the server", () => {
    const listing = execFileSync("tar", ["-tzf", tarball], { encoding: "utf8" }).split("\n").filter(Boolean).sort();
    expect(listing).toEqual(["package/README.md", "package/package.json", "package/patchbay.mjs"]);
    const manifest = JSON.parse(execFileSync("tar", ["-xzOf", tarball, "package/package.json"], { encoding: "utf8" }));
    const serverVersion = JSON.parse(
      readFileSync(path.resolve(import.meta.dirname, "../../api/package.json"), "utf8"),
    ).version;
    expect(manifest).toMatchObject({
      name: "@patchbay/cli",
      version: serverVersion,
      bin: { patchbay: "patchbay.mjs" },
    });
    expect(manifest.dependencies).toBeUndefined();
  });

  it("runs with npx -p @patchbay/cli from a registry that hosts it", async () => {
    const version = await npx("version");
    expect(version.code, version.stderr).toBe(0);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
    const help = await npx("help", "docs");
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("patchbay docs add");
  }, 120_000);
});
