/** A command found by looking at the repository, and what it was found in. */
export interface DetectedCommand {
  command: string;
  /** Where it came from, e.g. "package.json scripts.test", "pytest (pyproject.toml)", "go.mod". */
  source: string;
}

/** A command found by looking at the repository whose form depends on detected setup running. */
export interface DetectedCheckCommand extends DetectedCommand {
  /**
   * The command to use when detected setup does not run (the JobSpec or .patchbay.yml names
   * setup): e.g. `python3 -m pytest -q` where `command` is `.venv/bin/python -m pytest -q`.
   */
  withoutSetup?: string;
}

/** Setup commands detection chose, and why: one line per decision, e.g. "package-lock.json → npm ci". */
export interface DetectedSetup {
  commands: string[];
  reasons: string[];
}

/** What detectChecks found: setup commands (install dependencies) and the test and lint commands. */
export interface DetectedChecks {
  setup: string[];
  /** Why setup is what it is (also when it is empty), e.g. "package-lock.json → npm ci". */
  setupReasons: string[];
  test?: DetectedCheckCommand;
  lint?: DetectedCheckCommand;
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
  /** "job" when the JobSpec gave it, "config" when .patchbay.yml did, "detected" otherwise. */
  source: CommandSource;
  /** For detected commands: what it was found in. */
  detectedFrom?: string;
  /** Time limit for this command; runChecks' timeoutMs otherwise. */
  timeoutMs?: number;
  /** JUnit XML reports (files or folders) the test command writes, from .patchbay.yml; they win over its output. */
  junit?: string[];
}

/** Who named a command: the JobSpec, the repository's .patchbay.yml, or detection. */
export type CommandSource = "job" | "config" | "detected";

/** What detection knows about the checkout: its top-level entries and a reader for files. */
export interface RepoFacts {
  /** Top-level names; folders end in "/". */
  entries: ReadonlySet<string>;
  /** Names inside tests/ (folders end in "/"); empty when there is no tests/ folder. */
  testsEntries: ReadonlySet<string>;
  /** Names inside requirements/ (pip requirement files); empty when there is no such folder. */
  requirementsEntries: ReadonlySet<string>;
  /** A text file relative to the root, or null when absent. */
  read(path: string): Promise<string | null>;
}
