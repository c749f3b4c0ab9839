/** Test counts as recorded on a CheckRun. */
export interface TestCounts {
  passed: number;
  failed: number;
  skipped: number;
}

/** What a parser understood from a test runner's output. */
export interface TestReport {
  /** Which parser recognised the output, e.g. "pytest". */
  format: string;
  counts: TestCounts;
  /** Failing test names, unique, in the order they appeared. */
  failedTests: string[];
  /**
   * Set when the output says the run stopped before reporting every test (TAP `Bail out!`, fewer
   * test points than planned): tests it did not report are not known to pass.
   */
  incomplete?: string;
}

/** A parser returns undefined unless it found its runner's summary (a confident match). */
export type TestOutputParser = (text: string) => TestReport | undefined;
