import { nodeTool, type PackageFacts } from "./node-setup.js";
import type { DetectedChecks, RepoFacts } from "./types.js";

interface PackageJson extends PackageFacts {
  scripts: Record<string, string>;
}

// What `npm init` writes; running it would only ever report a failure nobody can fix.
const NPM_PLACEHOLDER = /no test specified/;

/**
 * Test and lint scripts from package.json, run with the repository's package manager, and the
 * setup that installs it and the dependencies (see nodeTool).
 */
export async function detectNode(repo: RepoFacts): Promise<DetectedChecks | undefined> {
  if (!repo.entries.has("package.json")) return undefined;
  const pkg = parsePackageJson(await repo.read("package.json"));
  if (!pkg) return undefined;
  const tool = await nodeTool(repo, pkg);
  const detected: DetectedChecks = { setup: tool.setup.commands, setupReasons: tool.setup.reasons };
  const test = pkg.scripts.test;
  if (test && !NPM_PLACEHOLDER.test(test)) {
    detected.test = { command: `${tool.run} test`, source: "package.json scripts.test" };
  }
  if (pkg.scripts.lint) detected.lint = { command: `${tool.run} run lint`, source: "package.json scripts.lint" };
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
  // npm and yarn: an array of globs, or yarn 1's {packages: [...]}.
  const workspaces = isRecord(value.workspaces) ? value.workspaces.packages : value.workspaces;
  const hasWorkspaces = Array.isArray(workspaces) && workspaces.length > 0;
  const packageManager = typeof value.packageManager === "string" ? value.packageManager : undefined;
  return { scripts, hasDependencies, hasWorkspaces, ...(packageManager ? { packageManager } : {}) };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
