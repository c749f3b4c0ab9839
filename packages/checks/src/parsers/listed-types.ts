/** How one test ended, as the runner reported it. */
export type ListedOutcome = "passed" | "failed" | "skipped";

/** Adds the tests one runner's output names (passing and skipped ones included) to `out`. */
export type TestLister = (text: string, out: Map<string, ListedOutcome>) => void;
