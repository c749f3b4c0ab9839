/**
 * Which files are tests. A glob without "/" matches a file name at any depth (like .gitignore);
 * one with "/" matches from the repository root; "**" spans folders, "*" and "?" do not;
 * "{a,b}" alternates; a trailing "/" means everything below that folder.
 */
export const DEFAULT_TEST_GLOBS: readonly string[] = [
  // folders of tests, at any depth (JS test/, __tests__/; Python and Rust tests/; Java src/test/)
  "**/test/**",
  "**/tests/**",
  "**/__tests__/**",
  "**/spec/**",
  // JavaScript / TypeScript
  "*.{test,spec}.{js,jsx,mjs,cjs,ts,tsx,mts,cts}",
  // Python
  "test_*.py",
  "*_test.py",
  "conftest.py",
  // Go
  "*_test.go",
];

/** One change in a patch, as `git diff --name-status` reports it. */
export interface FileChange {
  status: "added" | "modified" | "deleted" | "renamed" | "copied" | "type-changed";
  path: string;
  /** The old path of a rename or copy. */
  from?: string;
}

/** What the agent did to the tests. */
export interface TestChanges {
  /** Test files present at the base commit that were changed, deleted or renamed away. */
  modified: string[];
  /** New test files (not renames of existing ones). */
  added: string[];
  /** Paths to restore to the base commit to undo the changes to existing test files. */
  restore: string[];
  /** Paths to remove to undo them (the new side of a renamed test file). */
  remove: string[];
}

/** Splits a patch's changes into changes to existing test files and new test files. */
export function classifyTestChanges(changes: readonly FileChange[], globs: readonly string[]): TestChanges {
  const isTest = testMatcher(globs);
  const result: TestChanges = { modified: [], added: [], restore: [], remove: [] };
  for (const change of changes) {
    const original = change.status === "renamed" ? change.from! : change.path;
    if (change.status === "added" || change.status === "copied") {
      if (isTest(change.path)) result.added.push(change.path);
      continue;
    }
    if (!isTest(original)) {
      // A file renamed into a test location is a new test file.
      if (change.status === "renamed" && isTest(change.path)) result.added.push(change.path);
      continue;
    }
    result.modified.push(original);
    result.restore.push(original);
    if (change.status === "renamed") result.remove.push(change.path);
  }
  return result;
}

/** A predicate telling whether a repository-relative path matches any of the globs. */
export function testMatcher(globs: readonly string[]): (path: string) => boolean {
  const patterns = globs.flatMap(expandBraces).map(globToRegExp);
  return (path) => patterns.some((pattern) => pattern.test(path));
}

/** Expands `{a,b}` groups (nesting not supported) into separate globs. */
export function expandBraces(glob: string): string[] {
  const match = /\{([^{}]*)\}/.exec(glob);
  if (!match) return [glob];
  const before = glob.slice(0, match.index);
  const after = glob.slice(match.index + match[0].length);
  return match[1]!.split(",").flatMap((option) => expandBraces(before + option + after));
}

/** Translates one brace-free glob into an anchored regular expression over "/"-separated paths. */
export function globToRegExp(glob: string): RegExp {
  let pattern = glob.startsWith("/") ? glob.slice(1) : glob.includes("/") ? glob : `**/${glob}`;
  if (pattern.endsWith("/")) pattern += "**";
  let source = "";
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i]!;
    if (pattern.startsWith("**/", i)) {
      source += "(?:.*/)?";
      i += 2;
    } else if (pattern.startsWith("**", i)) {
      source += ".*";
      i += 1;
    } else if (char === "*") source += "[^/]*";
    else if (char === "?") source += "[^/]";
    else source += char.replace(/[.+^$()|[\]\\{}]/g, "\\$&");
  }
  return new RegExp(`^${source}$`);
}
