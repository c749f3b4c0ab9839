import { inlineTableKeys, type TomlOutline, tomlOutline, tomlStringArray } from "./toml-outline.js";
import type { DetectedSetup, RepoFacts } from "./types.js";

/**
 * The virtual environment detected Python setup makes: inside the workspace, so the job's
 * environment snapshot keeps it; its own `.gitignore` (`*`, as Python 3.13's venv writes) keeps
 * it out of every patch without touching the repository's files or `.git`.
 */
export const VENV_DIR = ".venv";
export const VENV_PYTHON = `${VENV_DIR}/bin/python`;
const MAKE_VENV = `python3 -m venv --system-site-packages ${VENV_DIR} && echo '*' > ${VENV_DIR}/.gitignore`;
// Poetry isolated venvs do not want the image's packages: poetry would try to replace them.
const MAKE_POETRY_VENV = `python3 -m venv ${VENV_DIR} && echo '*' > ${VENV_DIR}/.gitignore`;
const POETRY_TOOL = `"$HOME/.patchbay-tools/poetry"`;

/** Detected Python setup, and whether it makes the `.venv` the tests must then run in. */
export interface PythonSetup extends DetectedSetup {
  venv: boolean;
}

/** Names of extras, dependency groups and requirement files a job's tests need. */
const DEV_OR_TEST = new Set(["dev", "develop", "development", "test", "tests", "testing"]);
/** Requirement files besides those: the plain and the shared base ones. */
const BASE = new Set(["", "requirements", "base", "common", "ci"]);

/**
 * Installs what a Python repository's tests need into `.venv`: poetry projects with poetry,
 * anything else with pip — requirements.txt and its dev/test variants (top level and
 * requirements/), the project itself in editable mode with its dev/test extras, and its
 * dev/test dependency groups. Nothing (and no venv) when there is nothing to install.
 */
export async function detectPythonSetup(repo: RepoFacts): Promise<PythonSetup> {
  const pyproject = repo.entries.has("pyproject.toml") ? await repo.read("pyproject.toml") : null;
  const outline = pyproject === null ? new Map() : tomlOutline(pyproject);
  if (isPoetry(outline, repo)) return poetrySetup(outline, repo);
  const requirements = requirementFiles(repo);
  const project = await projectInstall(repo, outline);
  const args = [...requirements.included.flatMap((file) => ["-r", file]), ...project.args];
  const reasons = [...requirements.reasons, ...project.reasons];
  if (args.length === 0) return { commands: [], reasons, venv: false };
  reasons.push(`${VENV_DIR}/ in the workspace (ignored by its own .gitignore; sees the image's pytest)`);
  return {
    commands: [MAKE_VENV, `${VENV_PYTHON} -m pip install ${args.map(shellQuote).join(" ")}`],
    reasons,
    venv: true,
  };
}

function isPoetry(outline: TomlOutline, repo: RepoFacts): boolean {
  if (!repo.entries.has("pyproject.toml")) return false;
  return (
    repo.entries.has("poetry.lock") ||
    outline.has("tool.poetry.dependencies") ||
    !!outline.get("tool.poetry")?.has("name")
  );
}

function poetrySetup(outline: TomlOutline, repo: RepoFacts): PythonSetup {
  const optional = [...outline.keys()]
    .map((name) => /^tool\.poetry\.group\.([^.]+)$/.exec(name)?.[1])
    .filter(
      (group): group is string => !!group && outline.get(`tool.poetry.group.${group}`)?.get("optional") === "true",
    )
    .filter(isDevOrTest)
    .sort();
  const withGroups = optional.length > 0 ? ` --with ${optional.join(",")}` : "";
  const from = repo.entries.has("poetry.lock") ? "poetry.lock" : "pyproject.toml [tool.poetry]";
  return {
    commands: [
      `python3 -m venv ${POETRY_TOOL} && ${POETRY_TOOL}/bin/python -m pip install poetry`,
      MAKE_POETRY_VENV,
      `POETRY_VIRTUALENVS_IN_PROJECT=true ${POETRY_TOOL}/bin/poetry install --no-interaction${withGroups}`,
    ],
    reasons: [
      `${from} → poetry install into ${VENV_DIR}/ (every non-optional group${optional.length ? `, and ${optional.join(", ")}` : ""}); poetry itself in a tools venv outside the workspace`,
    ],
    venv: true,
  };
}

/** requirements*.txt files to install, top level and in requirements/, plain first. */
function requirementFiles(repo: RepoFacts): { included: string[]; reasons: string[] } {
  const found: { path: string; purpose: string }[] = [];
  for (const name of repo.entries) {
    const match = /^requirements(?:[-_.](.+))?\.txt$/.exec(name) ?? /^(.+?)[-_.]requirements\.txt$/.exec(name);
    if (match) found.push({ path: name, purpose: match[1] ?? "" });
  }
  for (const name of repo.requirementsEntries) {
    if (name.endsWith(".txt")) found.push({ path: `requirements/${name}`, purpose: name.slice(0, -4) });
  }
  const wanted = (purpose: string) => BASE.has(normalize(purpose)) || isDevOrTest(purpose);
  const rank = (purpose: string) => (BASE.has(normalize(purpose)) ? 0 : 1);
  const included = found
    .filter((f) => wanted(f.purpose))
    .sort((a, b) => rank(a.purpose) - rank(b.purpose) || a.path.localeCompare(b.path))
    .map((f) => f.path);
  const left = found.filter((f) => !wanted(f.purpose)).map((f) => f.path);
  const reasons: string[] = [];
  if (included.length > 0) reasons.push(`${included.join(", ")} → pip install -r`);
  if (left.length > 0) reasons.push(`not installed (neither base, dev nor test): ${left.sort().join(", ")}`);
  return { included, reasons };
}

/** pip arguments that install the project (editable, dev/test extras) or its declared dependencies. */
async function projectInstall(repo: RepoFacts, outline: TomlOutline): Promise<{ args: string[]; reasons: string[] }> {
  const setupCfg = repo.entries.has("setup.cfg") ? await repo.read("setup.cfg") : null;
  const setupPy = repo.entries.has("setup.py") ? await repo.read("setup.py") : null;
  const cfgProject = setupCfg !== null && /^\[(metadata|options)\]/m.test(setupCfg);
  const buildable = outline.has("build-system") || setupPy !== null || (cfgProject && !outline.has("project"));
  const extras = new Map<string, string[]>();
  for (const [name, value] of pyprojectExtras(outline)) extras.set(name, tomlStringArray(value).strings);
  if (setupCfg !== null) for (const name of iniKeys(setupCfg, "options.extras_require")) extras.set(name, []);
  if (setupPy !== null) for (const name of setupPyExtras(setupPy)) extras.set(name, []);
  const wanted = [...extras.keys()].filter(isDevOrTest).sort();
  const extrasNote = wanted.length > 0 ? ` with extras ${wanted.join(", ")}` : "";
  const args: string[] = [];
  const reasons: string[] = [];
  if (buildable) {
    const from = outline.has("build-system")
      ? "pyproject.toml [build-system]"
      : setupPy !== null
        ? "setup.py"
        : "setup.cfg";
    args.push("-e", wanted.length > 0 ? `.[${wanted.join(",")}]` : ".");
    reasons.push(`${from} → the project installed editable${extrasNote}`);
  } else if (outline.has("project")) {
    const dependencies = tomlStringArray(outline.get("project")?.get("dependencies") ?? "").strings;
    args.push(...dependencies, ...wanted.flatMap((name) => extras.get(name) ?? []));
    reasons.push(
      `pyproject.toml [project] without [build-system] → its dependencies${extrasNote}, the project not built`,
    );
  }
  const groups = dependencyGroups(outline);
  if (groups.names.length > 0) {
    args.push(...groups.requirements);
    reasons.push(`pyproject.toml [dependency-groups] ${groups.names.join(", ")} → their requirements`);
  }
  return { args, reasons };
}

/** [project.optional-dependencies] as a table or an inline table: extra name → raw array text. */
function pyprojectExtras(outline: TomlOutline): [string, string][] {
  const table = outline.get("project.optional-dependencies");
  if (table) return [...table.entries()];
  const inline = outline.get("project")?.get("optional-dependencies");
  return inline ? inlineTableKeys(inline).map((name) => [name, ""]) : [];
}

/** The dev/test dependency groups (PEP 735) and their requirements, includes followed. */
function dependencyGroups(outline: TomlOutline): { names: string[]; requirements: string[] } {
  const table = outline.get("dependency-groups");
  if (!table) return { names: [], requirements: [] };
  const names = [...table.keys()].filter(isDevOrTest).sort();
  const requirements: string[] = [];
  const seen = new Set<string>();
  const visit = (group: string) => {
    if (seen.has(group)) return;
    seen.add(group);
    const { strings, includeGroups } = tomlStringArray(table.get(group) ?? "");
    requirements.push(...strings);
    includeGroups.forEach(visit);
  };
  names.forEach(visit);
  return { names, requirements };
}

/** Keys of one section of an INI file (setup.cfg). */
function iniKeys(text: string, section: string): string[] {
  const keys: string[] = [];
  let inside = false;
  for (const line of text.split(/\r?\n/)) {
    const header = /^\[([^\]]+)\]/.exec(line);
    if (header) inside = header[1]!.trim() === section;
    else if (inside) {
      const key = /^([A-Za-z0-9_.-]+)\s*[=:]/.exec(line);
      if (key) keys.push(key[1]!);
    }
  }
  return keys;
}

/** Extras named in setup.py's extras_require (a best-effort read of a dict literal). */
function setupPyExtras(text: string): string[] {
  const at = text.indexOf("extras_require");
  if (at < 0) return [];
  return [...text.slice(at, at + 4000).matchAll(/["']([A-Za-z0-9_.-]+)["']\s*:/g)].map((m) => m[1]!);
}

function normalize(name: string): string {
  return name.toLowerCase().replace(/[_.]/g, "-");
}

function isDevOrTest(name: string): boolean {
  const n = normalize(name);
  return DEV_OR_TEST.has(n) || n.startsWith("test");
}

/** Quotes a word for sh when it holds anything beyond plain path characters. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_./:=@+-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
