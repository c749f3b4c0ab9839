import type { DetectedSetup, RepoFacts } from "./types.js";

export type PackageManager = "npm" | "pnpm" | "yarn";

/** How a repository's package manager runs, and what installs its dependencies. */
export interface NodeTool {
  manager: PackageManager;
  /** The words that run it: "npm", "corepack pnpm", "corepack yarn", "node .yarn/releases/yarn-4.1.0.cjs". */
  run: string;
  setup: DetectedSetup;
}

/** What detection reads from package.json. */
export interface PackageFacts {
  hasDependencies: boolean;
  hasWorkspaces: boolean;
  /** The `packageManager` field as written, e.g. "pnpm@9.1.0+sha512.…". */
  packageManager?: string;
}

/**
 * The registry npm is configured with, read in the sandbox: corepack and yarn 2+ fetch from it
 * too, so one allowlist entry serves all managers (no host name is written here).
 */
const NPM_REGISTRY = `"$(npm config get registry | sed 's:/*$::')"`;
/**
 * corepack downloads the package manager during setup, so the test commands later find it in
 * its cache without network. No prompt; the npm registry npm uses; no npm-signature check
 * (mirrors and local registries serve none; a `packageManager` hash is still verified).
 */
const COREPACK = `COREPACK_ENABLE_DOWNLOAD_PROMPT=0 COREPACK_INTEGRITY_KEYS=0 COREPACK_NPM_REGISTRY=${NPM_REGISTRY} corepack`;

/** pnpm lockfileVersion → the pnpm major that writes it (used when package.json pins no version). */
const PNPM_MAJOR: [RegExp, number][] = [
  [/^5\.[0-3]$/, 6],
  [/^5\.4$/, 7],
  [/^6\./, 8],
  [/^9\./, 9],
];
const PNPM_DEFAULT_MAJOR = 9;

/**
 * Picks the package manager (package.json `packageManager`, else the lockfile) and the setup that
 * makes it and the dependencies available: pnpm and yarn run through corepack (which fetches the
 * pinned version, or a major matching the lockfile, during setup); yarn 2+ with a committed
 * `yarnPath` runs that file; npm is the image's own.
 */
export async function nodeTool(repo: RepoFacts, pkg: PackageFacts): Promise<NodeTool> {
  const pin = parsePin(pkg.packageManager);
  const manager = pin?.name ?? lockfileManager(repo.entries);
  const install = installNeeded(repo, pkg);
  if (manager === "pnpm") return pnpmTool(repo, pin, install);
  if (manager === "yarn") return yarnTool(repo, pin, install);
  const lock = ["package-lock.json", "npm-shrinkwrap.json"].find((f) => repo.entries.has(f));
  const reasons = pin
    ? [`package.json packageManager ${pin.raw}: the image's npm runs (corepack leaves npm alone)`]
    : [];
  if (install.needed) reasons.push(lock ? `${lock} → npm ci` : "package.json without a lockfile → npm install");
  else reasons.push(install.why);
  // npm ci refuses to run without a lockfile.
  return { manager, run: "npm", setup: { commands: install.needed ? [lock ? "npm ci" : "npm install"] : [], reasons } };
}

interface Pin {
  name: PackageManager;
  version: string;
  raw: string;
}

function parsePin(field: string | undefined): Pin | undefined {
  const match = /^(npm|pnpm|yarn)@(\d[^+\s]*)/.exec(field?.trim() ?? "");
  return match ? { name: match[1] as PackageManager, version: match[2]!, raw: field!.trim() } : undefined;
}

function lockfileManager(entries: ReadonlySet<string>): PackageManager {
  if (entries.has("pnpm-lock.yaml")) return "pnpm";
  if (entries.has("yarn.lock")) return "yarn";
  return "npm";
}

function installNeeded(repo: RepoFacts, pkg: PackageFacts): { needed: boolean; why: string } {
  if (repo.entries.has("node_modules/")) return { needed: false, why: "node_modules/ is in the checkout → no install" };
  if (pkg.hasDependencies || pkg.hasWorkspaces || repo.entries.has("pnpm-workspace.yaml"))
    return { needed: true, why: "" };
  return { needed: false, why: "package.json declares no dependencies or workspaces → no install" };
}

async function pnpmTool(repo: RepoFacts, pin: Pin | undefined, install: { needed: boolean; why: string }) {
  const lock = repo.entries.has("pnpm-lock.yaml") ? await repo.read("pnpm-lock.yaml") : null;
  const reasons: string[] = [];
  let fetch: string;
  if (pin) {
    fetch = `${COREPACK} install`;
    reasons.push(`package.json packageManager ${pin.raw} → corepack fetches pnpm ${pin.version}`);
  } else {
    const version = /^lockfileVersion:\s*['"]?([\d.]+)/m.exec(lock ?? "")?.[1];
    const major = PNPM_MAJOR.find(([re]) => version !== undefined && re.test(version))?.[1] ?? PNPM_DEFAULT_MAJOR;
    fetch = `${COREPACK} install -g pnpm@${major}`;
    reasons.push(
      `pnpm-lock.yaml lockfileVersion ${version ?? "unknown"}, no packageManager → corepack fetches pnpm ${major}`,
    );
  }
  const commands = [fetch];
  if (install.needed) {
    commands.push(`corepack pnpm install${lock !== null ? " --frozen-lockfile" : ""}`);
    reasons.push(
      lock !== null ? "pnpm-lock.yaml → pnpm install --frozen-lockfile" : "no pnpm-lock.yaml → pnpm install",
    );
  } else reasons.push(install.why);
  return { manager: "pnpm" as const, run: "corepack pnpm", setup: { commands, reasons } };
}

async function yarnTool(repo: RepoFacts, pin: Pin | undefined, install: { needed: boolean; why: string }) {
  const yarnrc = repo.entries.has(".yarnrc.yml") ? ((await repo.read(".yarnrc.yml")) ?? "") : null;
  const lock = repo.entries.has("yarn.lock") ? ((await repo.read("yarn.lock")) ?? "") : null;
  const lockVersion = /^__metadata:\s*\n\s+version:\s*(\d+)/m.exec(lock ?? "")?.[1];
  const berry = pin ? major(pin.version) >= 2 : yarnrc !== null || lockVersion !== undefined;
  const yarnPath = berry ? committedYarnPath(yarnrc) : undefined;
  const reasons: string[] = [];
  const commands: string[] = [];
  if (yarnPath) reasons.push(`.yarnrc.yml yarnPath → node ${yarnPath} (the committed yarn release)`);
  else if (pin) {
    commands.push(`${COREPACK} install`);
    reasons.push(`package.json packageManager ${pin.raw} → corepack fetches yarn ${pin.version}`);
  } else {
    const wanted = berry ? berryMajor(lockVersion) : 1;
    commands.push(`${COREPACK} install -g yarn@${wanted}`);
    const why = berry
      ? `yarn 2+ (${yarnrc !== null ? ".yarnrc.yml" : "yarn.lock __metadata"})`
      : "yarn.lock (yarn 1 format)";
    reasons.push(`${why}, no packageManager → corepack fetches yarn ${wanted}`);
  }
  const run = yarnPath ? `node ${yarnPath}` : "corepack yarn";
  if (install.needed) {
    const flag = lock === null ? "" : berry ? " --immutable" : " --frozen-lockfile";
    // yarn 2+ defaults to its own registry host; point it at npm's unless the project names one.
    const registry =
      berry && !/^npmRegistryServer:/m.test(yarnrc ?? "") ? `YARN_NPM_REGISTRY_SERVER=${NPM_REGISTRY} ` : "";
    commands.push(`${registry}${run} install${flag}`);
    reasons.push(`${lock === null ? "no yarn.lock" : "yarn.lock"} → yarn install${flag}`);
  } else reasons.push(install.why);
  return { manager: "yarn" as const, run, setup: { commands, reasons } };
}

/** yarn.lock `__metadata.version` → the yarn major that writes it. */
function berryMajor(lockVersion: string | undefined): number {
  const v = Number(lockVersion ?? Number.NaN);
  if (Number.isNaN(v) || v >= 7) return 4;
  return v >= 5 ? 3 : 2;
}

/** `.yarnrc.yml` yarnPath when it is a plain path inside the repository. */
function committedYarnPath(yarnrc: string | null): string | undefined {
  const path = /^yarnPath:\s*["']?([^"'\s#]+)/m.exec(yarnrc ?? "")?.[1];
  if (!path || path.startsWith("/") || path.split("/").includes("..") || !/^[A-Za-z0-9_./-]+$/.test(path))
    return undefined;
  return path;
}

function major(version: string): number {
  return Number.parseInt(version, 10);
}
