/** A command found by looking at the repository, and what it was found in. */
export interface DetectedCommand {
  command: string;
  /** Where it came from, e.g. "package.json scripts.test", "pytest (pyproject.toml)", "go.mod". */
  source: string;
}

/** What detectChecks found: setup commands (install dependencies) and the test and lint commands. */
export interface DetectedChecks {
  setup: string[];
  test?: DetectedCommand;
  lint?: DetectedCommand;
}

/** The JobSpec's `checks`: explicit commands that win over detection. */
export interface CheckSpec {
  test?: string;
  lint?: string;
}

export type CheckKind = "test" | "lint";

/** One command runChecks will run. */
export interface CheckCommand {
  kind: CheckKind;
  command: string;
  /** "job" when the JobSpec gave it, "detected" otherwise. */
  source: "job" | "detected";
  /** For detected commands: what it was found in. */
  detectedFrom?: string;
}

/** What detection knows about the checkout: its top-level entries and a reader for files. */
export interface RepoFacts {
  /** Top-level names; folders end in "/". */
  entries: ReadonlySet<string>;
  /** Names inside tests/ (folders end in "/"); empty when there is no tests/ folder. */
  testsEntries: ReadonlySet<string>;
  /** A text file relative to the root, or null when absent. */
  read(path: string): Promise<string | null>;
}
