import { describe, expect, it } from "vitest";
import { highlightLine, languageOf } from "./highlight.js";

describe("highlightLine", () => {
  it("colours keywords, strings, numbers and a trailing comment in TypeScript", () => {
    const ts = languageOf("src/cart.ts")!;
    expect(highlightLine('const total = "a // b" + 42; // sum', ts)).toEqual([
      ["const", "k"],
      [" total = ", null],
      ['"a // b"', "s"],
      [" + ", null],
      ["42", "n"],
      ["; ", null],
      ["// sum", "c"],
    ]);
  });

  it("knows Python's comments and keywords; an unknown extension is plain", () => {
    const py = languageOf("app/main.py")!;
    expect(highlightLine("return x  # why", py)).toEqual([
      ["return", "k"],
      [" x  ", null],
      ["# why", "c"],
    ]);
    expect(languageOf("README")).toBeNull();
    expect(languageOf("notes.md")).toBeNull();
  });
});
