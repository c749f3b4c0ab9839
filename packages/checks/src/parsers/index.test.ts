import { describe, expect, it } from "vitest";
import { parseTestOutput } from "./index.js";
import { fixture } from "./test-fixtures.js";

const FORMATS: Record<string, string> = {
  "node-test-tap.txt": "tap",
  "node-test-tap-npm-load-error.txt": "tap",
  "node-test-spec.txt": "node-spec",
  "vitest-fail.txt": "vitest",
  "vitest-fail-color.txt": "vitest",
  "jest-fail.txt": "jest",
  "mocha-fail.txt": "mocha",
  "pytest-verbose-fail.txt": "pytest",
  "pytest-collection-error.txt": "pytest",
  "unittest-verbose-fail.txt": "unittest",
  "unittest-fail.txt": "unittest",
  "go-test-fail.txt": "go-test",
  "go-test-verbose.txt": "go-test",
  "cargo-test-no-fail-fast.txt": "cargo-test",
  "junit-surefire.xml": "junit",
};

describe("parseTestOutput", () => {
  it.each(Object.entries(FORMATS))("recognises %s as %s", (file, format) => {
    expect(parseTestOutput(fixture(file))?.format).toBe(format);
  });

  it("returns undefined for output it does not know", () => {
    expect(parseTestOutput("src/a.ts:3:1 lint/style/useConst  FIXABLE\nFound 1 error.\n")).toBeUndefined();
    expect(parseTestOutput("")).toBeUndefined();
  });
});
