#!/usr/bin/env node
// Makes the npm package of the client CLI, for those who host an npm registry: the same
// self-contained file the API serves at GET /cli.mjs, with a `patchbay` bin and no dependencies.
//   node apps/cli/scripts/pack.mjs [--out DIR]   → DIR/patchbay-cli-<version>.tgz (default apps/cli/dist)
// Then `npm publish DIR/patchbay-cli-<version>.tgz` to your registry, and on a runner
// `npx -p @patchbay/cli patchbay submit …`.
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

const ROOT = path.resolve(import.meta.dirname, "../../..");
const outFlag = process.argv.indexOf("--out");
const out = path.resolve(outFlag > 0 ? (process.argv[outFlag + 1] ?? "") : path.join(ROOT, "apps/cli/dist"));
const version = JSON.parse(readFileSync(path.join(ROOT, "apps/api/package.json"), "utf8")).version;
const dir = mkdtempSync(path.join(tmpdir(), "patchbay-cli-pack-"));
try {
  execFileSync("node", [path.join(import.meta.dirname, "build.mjs"), "--out", path.join(dir, "patchbay.mjs")], {
    stdio: ["ignore", "ignore", "inherit"],
  });
  const manifest = {
    name: "@patchbay/cli",
    version,
    description: "The Patchbay client CLI: submit jobs, follow them, fetch patches (one file, no dependencies)",
    type: "module",
    bin: { patchbay: "patchbay.mjs" },
    files: ["patchbay.mjs"],
    engines: { node: ">=20.19" },
    license: "UNLICENSED",
  };
  writeFileSync(path.join(dir, "package.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  copyFileSync(path.join(ROOT, "apps/cli/README.md"), path.join(dir, "README.md"));
  mkdirSync(out, { recursive: true });
  const packed = JSON.parse(
    execFileSync("npm", ["pack", "--json", "--pack-destination", out], { cwd: dir, encoding: "utf8" }),
  );
  process.stdout.write(`${path.join(out, packed[0].filename)}\n`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
