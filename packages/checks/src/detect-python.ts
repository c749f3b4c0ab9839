import type { DetectedCommand, RepoFacts } from "./types.js";

const PYTEST = "python3 -m pytest -q";
const MAX_TEST_FILES_READ = 5;

/**
 * pytest when the configuration or the tests ask for it; unittest (standard library, so it runs
 * without installing anything) when tests/ holds unittest-style test_*.py files; pytest for any
 * other Python project.
 */
export async function detectPython(repo: RepoFacts): Promise<DetectedCommand | undefined> {
  const configured = await pytestConfig(repo);
  if (configured) return { command: PYTEST, source: `pytest (${configured})` };
  const testFiles = [...repo.testsEntries].filter((name) => /^test_.*\.py$/.test(name));
  if (testFiles.length > 0) return fromTestFiles(repo, testFiles);
  for (const file of ["pyproject.toml", "setup.cfg"]) {
    if (repo.entries.has(file)) return { command: PYTEST, source: `pytest (${file})` };
  }
  return undefined;
}

/** The configuration file that mentions pytest, if any. */
async function pytestConfig(repo: RepoFacts): Promise<string | undefined> {
  if (repo.entries.has("pytest.ini")) return "pytest.ini";
  const markers: [string, RegExp][] = [
    ["pyproject.toml", /pytest/],
    ["setup.cfg", /^\[tool:pytest\]/m],
    ["tox.ini", /^\[pytest\]/m],
  ];
  for (const [file, marker] of markers) {
    if (!repo.entries.has(file)) continue;
    const text = await repo.read(file);
    if (text !== null && marker.test(text)) return file;
  }
  return undefined;
}

async function fromTestFiles(repo: RepoFacts, testFiles: string[]): Promise<DetectedCommand> {
  for (const name of testFiles.sort().slice(0, MAX_TEST_FILES_READ)) {
    const text = (await repo.read(`tests/${name}`)) ?? "";
    // Plain `def test_x(): assert ...` functions are invisible to unittest.
    if (/\bpytest\b/.test(text) || !/\bunittest\b/.test(text)) return { command: PYTEST, source: "pytest (tests/)" };
  }
  // With tests/__init__.py the tests may import each other as a package: discover from the root.
  const topLevel = repo.testsEntries.has("__init__.py") ? " -t ." : "";
  return { command: `python3 -m unittest discover -s tests${topLevel} -v`, source: "unittest (tests/)" };
}
