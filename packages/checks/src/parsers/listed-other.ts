import { PACKAGE as GO_PACKAGE, RESULT as GO_RESULT } from "./go-test.js";
import { caseName, readAttributes, TESTCASE } from "./junit.js";
import type { ListedOutcome, TestLister } from "./listed-types.js";

type Out = Map<string, ListedOutcome>;

/** The listers of pytest, unittest, go test, cargo test and JUnit XML output, by parser format. */
export const OTHER_LISTERS: Record<string, TestLister> = {
  pytest: listPytest,
  unittest: listUnittest,
  "go-test": listGoTest,
  "cargo-test": listCargoTest,
  junit: listJUnit,
};

const PYTEST_WORDS: Record<string, ListedOutcome> = {
  PASSED: "passed",
  XPASS: "passed",
  FAILED: "failed",
  ERROR: "failed",
  SKIPPED: "skipped",
  XFAIL: "skipped",
};
const WORD = "(PASSED|XPASS|FAILED|ERROR|SKIPPED|XFAIL)";
// -v: "tests/a.py::T::test_x[p] PASSED   [ 20%]"; -rA: "PASSED tests/a.py::test_x"; xdist: "[gw0] [ 20%] PASSED …".
const PYTEST_VERBOSE = new RegExp(`^(\\S.*?::.+?) ${WORD}(?:\\s|$)`);
const PYTEST_SUMMARY = new RegExp(`^(?:\\[gw\\d+\\] \\[\\s*\\d+%\\] )?${WORD} (\\S.*?::.+?)(?: - .*)?\\s*$`);

/** pytest's node ids (`path::Class::test[param]`) from -v lines and the -rA summary. */
function listPytest(text: string, out: Out): void {
  for (const line of text.split("\n")) {
    const verbose = PYTEST_VERBOSE.exec(line);
    if (verbose) {
      setOnce(out, verbose[1]!, PYTEST_WORDS[verbose[2]!]!);
      continue;
    }
    const summary = PYTEST_SUMMARY.exec(line);
    if (summary) setOnce(out, summary[2]!, PYTEST_WORDS[summary[1]!]!);
  }
}

/** A failure (a teardown ERROR after PASSED) is not undone by a later line. */
function setOnce(out: Out, name: string, outcome: ListedOutcome): void {
  if (out.get(name) !== "failed") out.set(name, outcome);
}

const UNITTEST_HEADING = /^(\w+) \(([\w.]+)\)(?: \.\.\. (.*))?$/;
const UNITTEST_RESULT = /\.\.\. (ok|FAIL|ERROR|skipped.*|expected failure|unexpected success)\s*$/;

/** unittest -v: `test_x (pkg.mod.Class.test_x) ... ok`, named `pkg.mod.Class.test_x`; a docstring line may come between. */
function listUnittest(text: string, out: Out): void {
  let pending: string | null = null;
  for (const line of text.split("\n")) {
    const heading = UNITTEST_HEADING.exec(line);
    if (heading) {
      const [, method, id, result] = heading;
      const name = id!.endsWith(`.${method}`) ? id! : `${id}.${method}`;
      pending = result === undefined ? name : null;
      const outcome = result === undefined ? undefined : unittestOutcome(result);
      if (outcome) out.set(name, outcome);
      continue;
    }
    const result = pending === null ? null : UNITTEST_RESULT.exec(line);
    if (pending !== null && result) out.set(pending, unittestOutcome(result[1]!)!);
    pending = null;
  }
}

function unittestOutcome(result: string): ListedOutcome | undefined {
  const word = result.trim();
  if (word === "ok") return "passed";
  if (word === "FAIL" || word === "ERROR" || word === "unexpected success") return "failed";
  if (word.startsWith("skipped") || word === "expected failure") return "skipped";
  // Empty: subtests follow, each on its own line; the parser names a failing one.
  return undefined;
}

const GO_WORDS: Record<string, ListedOutcome> = { PASS: "passed", FAIL: "failed", SKIP: "skipped" };

/** go test -v: `--- PASS: TestX/sub`, named `pkg.TestX/sub` by the package line that follows. */
function listGoTest(text: string, out: Out): void {
  let pending: Array<[string, ListedOutcome]> = [];
  for (const line of text.split("\n")) {
    const result = GO_RESULT.exec(line);
    if (result) {
      pending.push([result[2]!, GO_WORDS[result[1]!]!]);
      continue;
    }
    const pkg = GO_PACKAGE.exec(line);
    if (!pkg) continue;
    for (const [name, outcome] of pending) out.set(`${pkg[2]!}.${name}`, outcome);
    pending = [];
  }
}

const CARGO_TEST = /^test (.+?) \.\.\. (ok|FAILED|ignored)\b/;

/** cargo test: `test module::name ... ok|FAILED|ignored`. */
function listCargoTest(text: string, out: Out): void {
  for (const line of text.split("\n")) {
    const test = CARGO_TEST.exec(line);
    if (test) out.set(test[1]!, test[2] === "ok" ? "passed" : test[2] === "FAILED" ? "failed" : "skipped");
  }
}

/** JUnit XML printed by the command: every testcase as `classname.name`. */
function listJUnit(text: string, out: Out): void {
  const xml = text.replace(/<!\[CDATA\[[\s\S]*?\]\]>/g, "").replace(/<!--[\s\S]*?-->/g, "");
  for (const match of xml.matchAll(TESTCASE)) {
    const body = match[3] ?? "";
    const outcome = /<(failure|error)\b/.test(body) ? "failed" : /<skipped\b/.test(body) ? "skipped" : "passed";
    out.set(caseName(readAttributes(match[1]!)), outcome);
  }
}
