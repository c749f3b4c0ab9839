import type { Workspace } from "@patchbay/core";
import { detectNode } from "./detect-node.js";
import { detectPython } from "./detect-python.js";
import type { CheckKind, DetectedChecks, DetectedCommand, RepoFacts } from "./types.js";

const LIST_TIMEOUT_MS = 30_000;
const TESTS_MARKER = "--- tests/";
// One round trip for the listing: each exec in a container costs tens of milliseconds.
const LIST_SCRIPT = `ls -1Ap 2>/dev/null; echo '${TESTS_MARKER}'; [ -d tests ] && ls -1Ap tests 2>/dev/null; true`;
const MAKEFILES = ["GNUmakefile", "makefile", "Makefile"];

/**
 * Finds the repository's setup, test and lint commands. Explicit project scripts (package.json,
 * Makefile targets) win over conventions (pytest/unittest, go.mod, Cargo.toml).
 */
export async function detectChecks(workspace: Workspace): Promise<DetectedChecks> {
  const repo = await inspectRepo(workspace);
  const node = await detectNode(repo);
  const make = await makeTargets(repo);
  const test = node?.test ?? make.test ?? (await detectPython(repo)) ?? conventionTest(repo);
  const lint = node?.lint ?? make.lint;
  return { setup: node?.setup ?? [], ...(test ? { test } : {}), ...(lint ? { lint } : {}) };
}

/** Lists the checkout's top level and tests/ folder, and reads files through the workspace. */
export async function inspectRepo(workspace: Workspace): Promise<RepoFacts> {
  const listing = await workspace.exec(LIST_SCRIPT, { timeoutMs: LIST_TIMEOUT_MS });
  const lines = listing.stdout.split("\n").filter((line) => line !== "");
  const marker = lines.indexOf(TESTS_MARKER);
  const top = marker < 0 ? lines : lines.slice(0, marker);
  const tests = marker < 0 ? [] : lines.slice(marker + 1);
  return {
    entries: new Set(top),
    testsEntries: new Set(tests),
    read: async (path) => (await workspace.readFile(path))?.toString("utf8") ?? null,
  };
}

/** `make test` / `make lint` when the Makefile declares those targets. */
async function makeTargets(repo: RepoFacts): Promise<Partial<Record<CheckKind, DetectedCommand>>> {
  // make reads GNUmakefile, then makefile, then Makefile: the first present is the one it uses.
  const file = MAKEFILES.find((name) => repo.entries.has(name));
  const text = file ? await repo.read(file) : null;
  if (!file || text === null) return {};
  const targets = makefileTargets(text);
  const found: Partial<Record<CheckKind, DetectedCommand>> = {};
  for (const kind of ["test", "lint"] as const) {
    if (targets.has(kind)) found[kind] = { command: `make ${kind}`, source: `${file} target ${kind}` };
  }
  return found;
}

/** Names of explicit rule targets in a Makefile (not variable assignments, not recipe lines). */
export function makefileTargets(text: string): Set<string> {
  const targets = new Set<string>();
  for (const line of text.split("\n")) {
    const rule = /^([A-Za-z0-9_./%$(){} -]+?)\s*::?(?![=:])/.exec(line);
    if (!rule) continue;
    for (const name of rule[1]!.split(/\s+/)) if (name !== "") targets.add(name);
  }
  return targets;
}

function conventionTest(repo: RepoFacts): DetectedCommand | undefined {
  if (repo.entries.has("go.mod")) return { command: "go test ./...", source: "go.mod" };
  if (repo.entries.has("Cargo.toml")) return { command: "cargo test", source: "Cargo.toml" };
  return undefined;
}
