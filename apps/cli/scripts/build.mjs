#!/usr/bin/env node
// Bundles the client commands into one self-contained file, dist/patchbay.mjs (served by the API
// at GET /cli.mjs). `--if-stale` skips the build when the bundle is newer than every source it is
// made from, so the bring-up stays quick.
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";

const ROOT = path.resolve(import.meta.dirname, "../../..");
// `--out FILE` builds elsewhere (the npm package, scripts/pack.mjs); the API serves the default.
const outFlag = process.argv.indexOf("--out");
const OUT = outFlag > 0 ? path.resolve(process.argv[outFlag + 1] ?? "") : path.join(ROOT, "apps/cli/dist/patchbay.mjs");
const SOURCES = [
  "apps/cli/src",
  "apps/cli/scripts",
  "packages/core/src",
  "packages/config/src",
  "apps/api/package.json",
];

function newestMtime(p) {
  const stat = statSync(p);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(0, ...readdirSync(p).map((name) => newestMtime(path.join(p, name))));
}

function upToDate() {
  try {
    const built = statSync(OUT).mtimeMs;
    return SOURCES.every((s) => newestMtime(path.join(ROOT, s)) < built);
  } catch {
    return false;
  }
}

if (process.argv.includes("--if-stale") && upToDate()) process.exit(0);
// The server's version: the API serves this file and names the version in X-Patchbay-Version.
const version = JSON.parse(readFileSync(path.join(ROOT, "apps/api/package.json"), "utf8")).version;
const { build } = await import("esbuild");
await build({
  entryPoints: [path.join(ROOT, "apps/cli/src/bundle-entry.ts")],
  outfile: OUT,
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  minify: true,
  legalComments: "none",
  define: { __PATCHBAY_VERSION__: JSON.stringify(version) },
  banner: { js: `#!/usr/bin/env node\n// patchbay CLI ${version}\n` },
  logLevel: "warning",
});
process.stderr.write(`built ${path.relative(ROOT, OUT)} (patchbay CLI ${version})\n`);
