import type { DetectedChecks, RepoFacts } from "./types.js";

type PackageManager = "npm" | "pnpm" | "yarn";

interface PackageJson {
  scripts: Record<string, string>;
  hasDependencies: boolean;
}

// What `npm init` writes; running it would only ever report a failure nobody can fix.
const NPM_PLACEHOLDER = /no test specified/;

/** Test and lint scripts from package.json, and an install when dependencies are declared but absent. */
export async function detectNode(repo: RepoFacts): Promise<DetectedChecks | undefined> {
  if (!repo.entries.has("package.json")) return undefined;
  const pkg = parsePackageJson(await repo.read("package.json"));
  if (!pkg) return undefined;
  const manager = packageManager(repo.entries);
  const detected: DetectedChecks = { setup: [] };
  if (pkg.hasDependencies && !repo.entries.has("node_modules/"))
    detected.setup.push(installCommand(manager, repo.entries));
  const test = pkg.scripts.test;
  if (test && !NPM_PLACEHOLDER.test(test)) {
    detected.test = { command: `${manager} test`, source: "package.json scripts.test" };
  }
  if (pkg.scripts.lint) detected.lint = { command: `${manager} run lint`, source: "package.json scripts.lint" };
  return detected;
}

function parsePackageJson(text: string | null): PackageJson | undefined {
  if (text === null) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isRecord(value)) return undefined;
  const scripts: Record<string, string> = {};
  if (isRecord(value.scripts)) {
    for (const [name, body] of Object.entries(value.scripts)) if (typeof body === "string") scripts[name] = body;
  }
  const sections = [value.dependencies, value.devDependencies, value.optionalDependencies];
  const hasDependencies = sections.some((section) => isRecord(section) && Object.keys(section).length > 0);
  return { scripts, hasDependencies };
}

function packageManager(entries: ReadonlySet<string>): PackageManager {
  if (entries.has("pnpm-lock.yaml")) return "pnpm";
  if (entries.has("yarn.lock")) return "yarn";
  return "npm";
}

function installCommand(manager: PackageManager, entries: ReadonlySet<string>): string {
  if (manager === "pnpm") return "pnpm install --frozen-lockfile";
  if (manager === "yarn") return "yarn install --frozen-lockfile";
  // npm ci refuses to run without a lockfile.
  return entries.has("package-lock.json") || entries.has("npm-shrinkwrap.json") ? "npm ci" : "npm install";
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
