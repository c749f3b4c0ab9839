import { describe, expect, it } from "vitest";
import { classifyTestChanges, DEFAULT_TEST_GLOBS, testMatcher } from "./test-files.js";

describe("test globs", () => {
  it("recognise test files of each ecosystem by default", () => {
    const isTest = testMatcher(DEFAULT_TEST_GLOBS);
    for (const path of [
      "test/math.test.js",
      "src/cart.test.ts",
      "src/__tests__/a.js",
      "tests/test_calc.py",
      "pkg/calc_test.py",
      "conftest.py",
      "internal/x/y_test.go",
      "web/app.spec.tsx",
      "crates/a/tests/it.rs",
    ])
      expect(isTest(path), path).toBe(true);
    for (const path of ["src/math.js", "src/testing.js", "contest.py", "latest/x.js", "README.md"])
      expect(isTest(path), path).toBe(false);
  });

  it("anchor globs with a slash at the root; a trailing slash means the whole folder", () => {
    const isTest = testMatcher(["checks/", "/e2e/*.js", "*.check.{js,ts}"]);
    expect(isTest("checks/a/b.js")).toBe(true);
    expect(isTest("e2e/a.js")).toBe(true);
    expect(isTest("sub/e2e/a.js")).toBe(false);
    expect(isTest("e2e/deep/a.js")).toBe(false);
    expect(isTest("x/y.check.ts")).toBe(true);
  });
});

describe("classifyTestChanges", () => {
  it("separates changes to existing tests from new tests and says how to undo them", () => {
    const changes = classifyTestChanges(
      [
        { status: "modified", path: "src/a.js" },
        { status: "modified", path: "test/a.test.js" },
        { status: "deleted", path: "test/b.test.js" },
        { status: "renamed", from: "test/c.test.js", path: "test/c2.test.js" },
        { status: "added", path: "test/new.test.js" },
        { status: "renamed", from: "src/d.js", path: "test/d.test.js" },
      ],
      DEFAULT_TEST_GLOBS,
    );
    expect(changes).toEqual({
      modified: ["test/a.test.js", "test/b.test.js", "test/c.test.js"],
      added: ["test/new.test.js", "test/d.test.js"],
      restore: ["test/a.test.js", "test/b.test.js", "test/c.test.js"],
      remove: ["test/c2.test.js"],
    });
  });
});
