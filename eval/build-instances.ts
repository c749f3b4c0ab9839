// Builds eval/instances/ from real upstream bug fixes (eval/sources.ts):
//   npx tsx eval/build-instances.ts [--mirrors /work/.mirror] [--image patchbay/sandbox:1]
// For each fix: the parent commit's tree becomes a one-commit git bundle (the upstream licence
// file travels in it), the fix splits into the hidden test patch and the gold patch, and the
// hidden tests run in the sandbox image without network — with the test patch alone and with
// the gold patch too — to name the fail-to-pass and pass-to-pass tests. A fix whose tests do
// not flip is an error, so every shipped instance is known to be solvable and not yet solved.
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { parseTestOutcomes } from "@patchbay/checks";
import { type EvalInstanceInput, EvalInstanceSchema } from "../apps/cli/src/eval/instance.js";
import { FIX_SOURCES, type FixSource } from "./sources.js";

const OUT = path.join(import.meta.dirname, "instances");
const { values } = parseArgs({
  options: {
    mirrors: { type: "string", default: "/work/.mirror" },
    image: { type: "string", default: "patchbay/sandbox:1" },
  },
});

const git = (dir: string, args: string[], env: Record<string, string> = {}) =>
  execFileSync("git", args, { cwd: dir, encoding: "utf8", env: { ...process.env, ...env }, maxBuffer: 64 << 20 });

/** A one-commit repository holding the base tree, bundled; returns the bundle's commit. */
function snapshot(mirror: string, base: string, source: FixSource, file: string): string {
  const tmp = mkdtempSync(path.join(tmpdir(), "patchbay-eval-snap-"));
  try {
    git(tmp, ["init", "-q", "--bare"]);
    writeFileSync(path.join(tmp, "objects/info/alternates"), `${path.join(mirror, "objects")}\n`);
    const date = git(mirror, ["show", "-s", "--format=%cI", base]).trim();
    const identity = { GIT_AUTHOR_NAME: "patchbay eval", GIT_AUTHOR_EMAIL: "eval@patchbay.invalid" };
    const env = {
      ...identity,
      GIT_COMMITTER_NAME: identity.GIT_AUTHOR_NAME,
      GIT_COMMITTER_EMAIL: identity.GIT_AUTHOR_EMAIL,
    };
    const message = `${source.repository} at ${base} (the parent of fix ${source.fixCommit}; ${source.license})`;
    const commit = git(tmp, ["commit-tree", `${base}^{tree}`, "-m", message], {
      ...env,
      GIT_AUTHOR_DATE: date,
      GIT_COMMITTER_DATE: date,
    }).trim();
    git(tmp, ["update-ref", "refs/heads/main", commit]);
    git(tmp, ["symbolic-ref", "HEAD", "refs/heads/main"]);
    git(tmp, ["bundle", "create", "-q", file, "HEAD", "main"]);
    return commit;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** The fix's diff limited to (or excluding) paths. */
function diff(mirror: string, base: string, fix: string, include: string[], exclude: string[] = []): string {
  const specs = include.length > 0 ? include : [".", ...exclude.map((p) => `:(exclude)${p}`)];
  return git(mirror, ["diff", "--binary", base, fix, "--", ...specs]);
}

/** Runs the hidden tests on a clone of the bundle with the patches applied, in the sandbox image, offline. */
function runTests(bundle: string, patches: string[], test: string): { output: string; exitCode: number | null } {
  const work = mkdtempSync(path.join(tmpdir(), "patchbay-eval-run-"));
  chmodSync(work, 0o755); // the image's user reads it
  try {
    execFileSync("git", ["clone", "-q", bundle, path.join(work, "repo")]);
    for (const [i, p] of patches.entries()) writeFileSync(path.join(work, `${i}.patch`), p);
    const apply = patches.map((_, i) => `git apply /src/${i}.patch && `).join("");
    const script = `cp -r /src/repo /tmp/w && cd /tmp/w && ${apply}(${test}) 2>&1`;
    const run = spawnSync(
      "docker",
      ["run", "--rm", "--network", "none", "-v", `${work}:/src:ro`, values.image ?? "", "sh", "-c", script],
      { encoding: "utf8", timeout: 300_000, maxBuffer: 64 << 20 },
    );
    return { output: `${run.stdout}${run.stderr}`, exitCode: run.status };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function outcomes(source: FixSource, label: string, run: { output: string }) {
  const parsed = parseTestOutcomes(run.output);
  if (!parsed || parsed.tests.size === 0)
    throw new Error(`${source.id} (${label}): no parser read the test output:\n${run.output.slice(-2000)}`);
  return parsed.tests;
}

/** Builds, validates and returns one instance. */
function build(source: FixSource): EvalInstanceInput {
  const owner = new URL(source.repository).pathname.slice(1).replace("/", "+");
  const mirror = path.join(values.mirrors ?? "", owner, "repo");
  const fix = git(mirror, ["rev-parse", `${source.fixCommit}^{commit}`]).trim();
  const base = git(mirror, ["rev-parse", `${fix}^`]).trim();
  const bundleName = `bundles/${source.id}.bundle`;
  const bundle = path.join(OUT, bundleName);
  const baseCommit = snapshot(mirror, base, source, bundle);
  const testPatch = diff(mirror, base, fix, source.testPaths);
  const goldPatch = diff(mirror, base, fix, [], [...source.testPaths, ...(source.excludePaths ?? [])]);
  const before = outcomes(source, "test patch", runTests(bundle, [testPatch], source.test));
  const after = outcomes(source, "test + gold patch", runTests(bundle, [testPatch, goldPatch], source.test));
  const failToPass = [...after].filter(([n, o]) => o === "passed" && before.get(n) !== "passed").map(([n]) => n);
  const passToPass = [...after].filter(([n, o]) => o === "passed" && before.get(n) === "passed").map(([n]) => n);
  const stillFailing = [...after].filter(([, o]) => o === "failed").map(([n]) => n);
  if (failToPass.length === 0)
    throw new Error(`${source.id}: no test flips from failing to passing with the gold patch`);
  if (stillFailing.length > 0) throw new Error(`${source.id}: tests fail even with the gold patch: ${stillFailing}`);
  console.log(
    `${source.id}: ${failToPass.length} fail-to-pass, ${passToPass.length} pass-to-pass, bundle ${statSync(bundle).size} bytes`,
  );
  return EvalInstanceSchema.parse({
    id: source.id,
    repository: { url: source.repository, bundle: bundleName },
    baseCommit,
    problemStatement: source.problemStatement,
    setup: [],
    test: source.test,
    testPatch,
    failToPass,
    passToPass,
    goldPatch,
    reference: {
      repository: source.repository,
      fixCommit: fix,
      baseCommit: base,
      license: source.license,
      runner: source.runner,
    },
  });
}

mkdirSync(path.join(OUT, "bundles"), { recursive: true });
const instances = FIX_SOURCES.map(build);
writeFileSync(path.join(OUT, "instances.json"), `${JSON.stringify({ instances }, null, 2)}\n`);
console.log(`wrote ${instances.length} instances to ${path.relative(process.cwd(), OUT)}/instances.json`);
