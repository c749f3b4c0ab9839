import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseTestOutput } from "./index.js";

const DIR = new URL("./fixtures/corpus/", import.meta.url);

// Every suite in the corpus has 3 passing tests, 1 skipped and exactly one failing test; the
// failing name is each runner's own (see fixtures/corpus/README.md for runner, version, command).
const EXPECTED: Record<string, { format: string; failed: string }> = {
  "mocha-spec.txt": { format: "mocha", failed: "parser > rejects an empty name" },
  "mocha-tap.txt": { format: "tap", failed: "parser rejects an empty name" },
  "tape.txt": { format: "tap", failed: "parser rejects an empty name > should be strictly equal" },
  "ava.txt": { format: "ava", failed: "parser rejects an empty name" },
  "ava-tap.txt": { format: "tap", failed: "parser rejects an empty name" },
  "jest.txt": { format: "jest", failed: "test/parser.test.js > parser > rejects an empty name" },
  "vitest.txt": { format: "vitest", failed: "test/parser.test.js > parser > rejects an empty name" },
  "node-test-spec.txt": { format: "node-spec", failed: "parser > rejects an empty name" },
  "node-test-tap.txt": { format: "tap", failed: "parser > rejects an empty name" },
  "node-tap.txt": { format: "tap", failed: "test/parser.test.js > parser > rejects an empty name > should be equal" },
  "node-tap-tap.txt": {
    format: "tap",
    failed: "test/parser.test.js > parser > rejects an empty name > should be equal",
  },
  "pytest-q.txt": { format: "pytest", failed: "tests/test_parser.py::TestParser::test_parse_name[an empty name]" },
  "pytest-v.txt": { format: "pytest", failed: "tests/test_parser.py::TestParser::test_parse_name[an empty name]" },
  // unittest names a failing subtest by its test method (the subtest's "[an empty name]" is dropped).
  "unittest.txt": { format: "unittest", failed: "test_parser.TestParser.test_rejects_an_empty_name" },
};

describe("runner corpus", () => {
  it("has an expectation for every captured output", () => {
    const files = readdirSync(DIR).filter((name) => name.endsWith(".txt"));
    expect(files.sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  it.each(Object.entries(EXPECTED))("%s: counts and the failing test's exact name", (file, expected) => {
    const report = parseTestOutput(readFileSync(new URL(file, DIR), "utf8"));
    expect(report).toEqual({
      format: expected.format,
      counts: { passed: 3, failed: 1, skipped: 1 },
      failedTests: [expected.failed],
    });
  });
});
