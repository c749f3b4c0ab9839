import { type PlanSource, readerOf } from "./checkout-reader.js";
import { detectNode } from "./detect-node.js";
import { detectPython } from "./detect-python.js";
import { detectPythonSetup, VENV_DIR, VENV_PYTHON } from "./python-setup.js";
import type { CheckKind, DetectedCheckCommand, DetectedChecks, DetectedCommand, RepoFacts } from "./types.js";

const MAKEFILES = ["GNUmakefile", "makefile", "Makefile"];

/**
 * Finds the repository's setup, test and lint commands. Explicit project scripts (package.json,
 * Makefile targets) win over conventions (pytest/unittest, go.mod, Cargo.toml). Setup installs
 * the Node and the Python dependencies; when it makes a `.venv`, Python and make commands run in it.
 */
export async function detectChecks(source: PlanSource): Promise<DetectedChecks> {
  const repo = await inspectRepo(source);
  const node = await detectNode(repo);
  const python = await detectPythonSetup(repo);
  const make = await makeTargets(repo);
  let test: DetectedCheckCommand | undefined =
    node?.test ?? make.test ?? (await detectPython(repo)) ?? conventionTest(repo);
  let lint: DetectedCheckCommand | undefined = node?.lint ?? make.lint;
  if (python.venv) [test, lint] = [inVenv(test), inVenv(lint)];
  const setup = [...(node?.setup ?? []), ...python.commands];
  const setupReasons = [...(node?.setupReasons ?? []), ...python.reasons];
  if (setupReasons.length === 0) {
    setupReasons.push("no package.json, requirements*.txt, pyproject.toml, setup.py or setup.cfg → nothing to install");
  }
  return { setup, setupReasons, ...(test ? { test } : {}), ...(lint ? { lint } : {}) };
}

/** The command run inside the venv detected setup makes; the plain one kept for when it does not run. */
function inVenv(found: DetectedCheckCommand | undefined): DetectedCheckCommand | undefined {
  if (!found) return undefined;
  const { command } = found;
  if (command.startsWith("python3 ")) {
    return { ...found, command: `${VENV_PYTHON}${command.slice("python3".length)}`, withoutSetup: command };
  }
  // A Makefile calls `pytest` or `python`: the venv's bin first on PATH, as `activate` does.
  if (command.startsWith("make ")) {
    return { ...found, command: `PATH="$PWD/${VENV_DIR}/bin:$PATH" ${command}`, withoutSetup: command };
  }
  return found;
}

/** Lists the checkout's top level, tests/ and requirements/ folders, and reads files through the source. */
export async function inspectRepo(source: PlanSource): Promise<RepoFacts> {
  const reader = readerOf(source);
  const sections = await reader.list(["", "tests", "requirements"]);
  return {
    entries: new Set(sections.get("")),
    testsEntries: new Set(sections.get("tests")),
    requirementsEntries: new Set(sections.get("requirements")),
    read: async (path) => (await reader.readFile(path))?.toString("utf8") ?? null,
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
