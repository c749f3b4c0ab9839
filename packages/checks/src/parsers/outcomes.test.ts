import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { type ListedOutcome, parseTestOutcomes } from "./outcomes.js";

const read = (file: string) => readFileSync(new URL(`./fixtures/${file}`, import.meta.url), "utf8");
const outcomes = (file: string) => Object.fromEntries(parseTestOutcomes(read(file))?.tests ?? []);

/** The suite of every captured output: names as each runner's parser writes them. */
function suite(names: {
  adds: string;
  multiplies: string;
  plain: string;
  empty: string;
  network?: string;
}): Record<string, ListedOutcome> {
  return {
    [names.adds]: "passed",
    [names.multiplies]: "passed",
    [names.plain]: "passed",
    [names.empty]: "failed",
    ...(names.network ? { [names.network]: "skipped" } : {}),
  };
}

const js = (prefix: string, sep = " > ") =>
  suite({
    adds: `${prefix}math${sep}adds two numbers`,
    multiplies: `${prefix}math${sep}multiplies two numbers`,
    plain: `${prefix}parser${sep}accepts a plain name`,
    empty: `${prefix}parser${sep}rejects an empty name`,
    network: `${prefix}parser${sep}talks to the network`,
  });
const flat = { adds: "adds two numbers", multiplies: "multiplies two numbers", network: "talks to the network" };
const pytestNames = {
  adds: "tests/test_parser.py::test_adds_two_numbers",
  multiplies: "tests/test_parser.py::test_multiplies_two_numbers",
  plain: "tests/test_parser.py::TestParser::test_parse_name[a plain name]",
  empty: "tests/test_parser.py::TestParser::test_parse_name[an empty name]",
  network: "tests/test_parser.py::TestParser::test_talks_to_the_network",
};

// Each runner names passing and skipped tests the way its parser names failures.
const EXPECTED: Record<string, Record<string, ListedOutcome>> = {
  "corpus/jest.txt": js("test/parser.test.js > "),
  "outcomes/jest-verbose.txt": { ...js("test/parser.test.js > "), "test/other.test.js > top level": "passed" },
  "outcomes/vitest-verbose.txt": js("test/parser.test.js > "),
  "corpus/mocha-spec.txt": js(""),
  "corpus/mocha-tap.txt": js("", " "),
  "corpus/node-test-spec.txt": { ...js(""), math: "passed", parser: "failed" },
  "corpus/node-test-tap.txt": { ...js(""), math: "passed", parser: "failed" },
  "corpus/node-tap.txt": {
    ...js("test/parser.test.js > "),
    "test/parser.test.js > math > adds two numbers > should be equal": "passed",
  },
  "corpus/node-tap-tap.txt": js("test/parser.test.js > "),
  "corpus/ava.txt": suite({ ...flat, plain: "parser accepts a plain name", empty: "parser rejects an empty name" }),
  "corpus/ava-tap.txt": suite({ ...flat, plain: "parser accepts a plain name", empty: "parser rejects an empty name" }),
  "corpus/tape.txt": suite({
    adds: "adds two numbers > should be strictly equal",
    multiplies: "multiplies two numbers > should be strictly equal",
    plain: "parser accepts a plain name > should be strictly equal",
    empty: "parser rejects an empty name > should be strictly equal",
  }),
  "corpus/pytest-v.txt": suite(pytestNames),
  // -rA names passes; its SKIPPED line carries no test id.
  "outcomes/pytest-ra.txt": suite({ ...pytestNames, network: undefined }),
  "corpus/unittest.txt": suite({
    adds: "test_parser.TestMath.test_adds_two_numbers",
    multiplies: "test_parser.TestMath.test_multiplies_two_numbers",
    plain: "test_parser.TestParser.test_accepts_a_plain_name",
    empty: "test_parser.TestParser.test_rejects_an_empty_name",
    network: "test_parser.TestParser.test_talks_to_the_network",
  }),
};

describe("parseTestOutcomes", () => {
  it.each(Object.entries(EXPECTED))("%s: passing, skipped and failing tests by the parser's names", (file, want) => {
    expect(outcomes(file)).toMatchObject(want);
  });

  it("names only the failures when the runner does not print passing tests (jest with two files, vitest's default, pytest -q)", () => {
    for (const file of ["outcomes/jest-two-files.txt", "corpus/vitest.txt", "corpus/pytest-q.txt"]) {
      expect(Object.values(outcomes(file))).toEqual(["failed"]);
    }
  });

  it("takes the parser's failures over a listing, and says which runner it read", () => {
    const text = read("corpus/pytest-v.txt").replace(
      "test_parse_name[an empty name] FAILED",
      "test_parse_name[an empty name] PASSED",
    );
    const parsed = parseTestOutcomes(text);
    expect(parsed?.format).toBe("pytest");
    expect(parsed?.tests.get("tests/test_parser.py::TestParser::test_parse_name[an empty name]")).toBe("failed");
  });

  it.each([
    {
      runner: "go test -v",
      output:
        "=== RUN   TestA\n--- PASS: TestA (0.00s)\n--- FAIL: TestB (0.00s)\n    --- SKIP: TestB/sub (0.00s)\nFAIL\nFAIL\texample.com/m\t0.01s\n",
      tests: {
        "example.com/m.TestA": "passed",
        "example.com/m.TestB": "failed",
        "example.com/m.TestB/sub": "skipped",
      },
    },
    {
      runner: "cargo test",
      output:
        "running 2 tests\ntest a::works ... ok\ntest a::breaks ... FAILED\ntest a::later ... ignored\n\ntest result: FAILED. 1 passed; 1 failed; 1 ignored; 0 measured\n",
      tests: { "a::works": "passed", "a::breaks": "failed", "a::later": "skipped" },
    },
    {
      runner: "unittest -v with a docstring line",
      output:
        "test_x (pkg.T.test_x)\nSays what it tests. ... ok\ntest_y (pkg.T.test_y) ... ok\n\nRan 2 tests in 0.001s\n\nOK\n",
      tests: { "pkg.T.test_x": "passed", "pkg.T.test_y": "passed" },
    },
    {
      runner: "JUnit XML",
      output:
        '<testsuite><testcase classname="a" name="ok"/><testcase classname="a" name="bad"><failure/></testcase><testcase classname="a" name="later"><skipped/></testcase></testsuite>',
      tests: { "a.ok": "passed", "a.bad": "failed", "a.later": "skipped" },
    },
  ])("reads $runner", ({ output, tests }) => {
    expect(Object.fromEntries(parseTestOutcomes(output)!.tests)).toEqual(tests);
  });

  it("is undefined for output no parser knows", () => {
    expect(parseTestOutcomes("all good\n")).toBeUndefined();
  });
});
