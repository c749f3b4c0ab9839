import { describe, expect, it } from "vitest";
import { chunkCode, chunkDocument, chunkMarkdown, formatOf, htmlToText, splitLines } from "./index.js";

describe("chunkMarkdown", () => {
  const doc = [
    "# Guide", //1
    "Intro text.", //2
    "", //3
    "## Install", //4
    "Run npm install.", //5
    "", //6
    "```sh", //7
    "# not a heading", //8
    "```", //9
    "## Usage", //10
    "### Options", //11
    "Pass `level`.", //12
    "# Other", //13
    "Body.", //14
  ].join("\n");

  it("makes one chunk per heading section with the heading path and line range", () => {
    const chunks = chunkMarkdown(doc);
    expect(chunks.map((c) => [c.headingPath, c.startLine, c.endLine])).toEqual([
      [["Guide"], 1, 2],
      [["Guide", "Install"], 4, 9],
      [["Guide", "Usage", "Options"], 11, 12],
      [["Other"], 13, 14],
    ]);
    expect(chunks[1]?.text).toContain("# not a heading");
  });

  it("keeps text before the first heading", () => {
    const chunks = chunkMarkdown("preface line\n\n# Title\nbody");
    expect(chunks[0]).toMatchObject({ headingPath: [], startLine: 1, endLine: 1, text: "preface line" });
  });

  it("splits a long section by lines with overlap, each piece keeping the heading path", () => {
    const body = Array.from({ length: 40 }, (_, i) => `line ${i} ${"x".repeat(40)}`);
    const chunks = chunkMarkdown(["# Big", ...body].join("\n"), { maxChars: 500, overlapLines: 2 });
    expect(chunks.length).toBeGreaterThan(3);
    for (const c of chunks) {
      expect(c.headingPath).toEqual(["Big"]);
      expect(c.text.length).toBeLessThanOrEqual(500);
    }
    expect(chunks[1]?.startLine).toBe((chunks[0]?.endLine ?? 0) - 1);
    expect(chunks.at(-1)?.endLine).toBe(41);
  });

  it("cleans links and code ticks out of headings", () => {
    const [chunk] = chunkMarkdown('## <a id="x"></a>[`pino.child()`](#child)\ntext');
    expect(chunk?.headingPath).toEqual(["pino.child()"]);
  });
});

describe("chunkCode", () => {
  it("splits TypeScript at top-level declarations, comments attached, named", () => {
    const src = [
      'import { a } from "a";', //1
      "", //2
      "/** Adds. */", //3
      "export function add(x: number) {", //4
      "  return x + 1;", //5
      "}", //6
      "", //7
      "class Cart {", //8
      "  total() {}", //9
      "}", //10
      "export const LIMIT = 3;", //11
    ].join("\n");
    const chunks = chunkCode(src, "typescript");
    expect(chunks.map((c) => [c.headingPath, c.startLine, c.endLine])).toEqual([
      [[], 1, 1],
      [["add"], 3, 6],
      [["Cart"], 8, 10],
      [["LIMIT"], 11, 11],
    ]);
  });

  it("splits Python at def and class with decorators", () => {
    const src = ["import os", "", "@cache", "def load(p):", "    return p", "", "class Store:", "    pass"].join("\n");
    const chunks = chunkCode(src, "python");
    expect(chunks.map((c) => [c.headingPath, c.startLine, c.endLine])).toEqual([
      [[], 1, 1],
      [["load"], 3, 5],
      [["Store"], 7, 8],
    ]);
  });
});

describe("splitLines", () => {
  it("covers every line, overlapping by the given number of lines", () => {
    const lines = Array.from({ length: 100 }, (_, i) => `l${i}`.padEnd(19, "."));
    const chunks = splitLines(lines, 1, [], { maxChars: 200, overlapLines: 3 });
    expect(chunks[0]).toMatchObject({ startLine: 1, endLine: 10 });
    expect(chunks[1]).toMatchObject({ startLine: 8 });
    expect(chunks.at(-1)?.endLine).toBe(100);
  });
});

describe("HTML", () => {
  it("reduces HTML to text keeping the source's line numbers and headings", () => {
    const html = [
      "<html><head><title>t</title>", //1
      "<style>", //2
      "p { color: red }", //3
      "</style></head><body>", //4
      "<h2 class=x>Deploy &amp; roll back</h2>", //5
      "<p>Use <code>kubectl</code> &lt;3</p>", //6
      "<script>alert('x')</script>", //7
      "</body></html>", //8
    ].join("\n");
    const text = htmlToText(html);
    expect(text.split("\n")).toHaveLength(8);
    expect(text).not.toContain("color");
    expect(text).not.toContain("alert");
    const chunks = chunkDocument(html, "html");
    expect(chunks.at(-1)).toMatchObject({ headingPath: ["Deploy & roll back"], startLine: 5, endLine: 6 });
    expect(chunks.at(-1)?.text).toContain("Use kubectl <3");
  });
});

describe("formatOf", () => {
  it("picks the chunker from the extension or content type", () => {
    expect(formatOf("docs/a.md")).toBe("markdown");
    expect(formatOf("x.HTML")).toBe("html");
    expect(formatOf("src/a.ts")).toBe("typescript");
    expect(formatOf("a.py")).toBe("python");
    expect(formatOf("notes.txt")).toBe("text");
    expect(formatOf("upload", "text/markdown")).toBe("markdown");
  });
});
