import { PatchbayError } from "@patchbay/core";
import { describe, expect, it } from "vitest";
import { shellQuote } from "./command.js";
import { resolveCwd, resolveInRoot, toEnvList } from "./paths.js";

const ROOT = "/workspace";

function refusal(fn: () => unknown): PatchbayError {
  try {
    fn();
  } catch (err) {
    if (err instanceof PatchbayError) return err;
    throw err;
  }
  throw new Error("expected a refusal");
}

describe("resolveInRoot", () => {
  it("resolves relative and absolute paths inside the root", () => {
    expect(resolveInRoot(ROOT, "a/b.txt")).toBe("/workspace/a/b.txt");
    expect(resolveInRoot(ROOT, "./a/../b.txt")).toBe("/workspace/b.txt");
    expect(resolveInRoot(ROOT, "/workspace/src/x.ts")).toBe("/workspace/src/x.ts");
    expect(resolveInRoot(ROOT, "a//b/")).toBe("/workspace/a/b");
  });

  it.each(["../etc/passwd", "/etc/passwd", "a/../../x", "/workspace-evil/x", "/workspace", ".", "", "a\0b"])(
    "refuses %j with invalid_request",
    (path) => {
      const err = refusal(() => resolveInRoot(ROOT, path));
      expect(err.code).toBe("invalid_request");
      expect(err.retryable).toBe(false);
    },
  );
});

describe("resolveCwd", () => {
  it("defaults to the root, resolves relative paths and keeps absolute ones", () => {
    expect(resolveCwd(ROOT, undefined)).toBe(ROOT);
    expect(resolveCwd(ROOT, "")).toBe(ROOT);
    expect(resolveCwd(ROOT, "pkg/a")).toBe("/workspace/pkg/a");
    expect(resolveCwd(ROOT, "/tmp")).toBe("/tmp");
  });
});

describe("toEnvList", () => {
  it("formats KEY=value and refuses names a shell cannot use", () => {
    expect(toEnvList({ A: "1", _B2: "x=y" })).toEqual(["A=1", "_B2=x=y"]);
    expect(toEnvList(undefined)).toEqual([]);
    expect(refusal(() => toEnvList({ "A-B": "1" })).code).toBe("invalid_request");
    expect(refusal(() => toEnvList({ "1A": "1" })).code).toBe("invalid_request");
    expect(refusal(() => toEnvList({ A: "x\0y" })).code).toBe("invalid_request");
  });
});

describe("shellQuote", () => {
  it("quotes single quotes safely", () => {
    expect(shellQuote("a b")).toBe("'a b'");
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
  });
});
