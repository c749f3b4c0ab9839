import type { ExecResult } from "@patchbay/core";
import { describe, expect, it } from "vitest";
import { CheckOutput, missingEnd, outputTail } from "./output.js";
import { ParseBuffer } from "./parse-buffer.js";

function result(stdout: string, stderr: string, truncatedBytes = 0): ExecResult {
  return { exitCode: 0, stdout, stderr, timedOut: false, durationMs: 1, truncatedBytes };
}

describe("ParseBuffer", () => {
  it("keeps short output whole", () => {
    const buffer = new ParseBuffer();
    for (const chunk of ["ok 1 - a\n", "ok 2 - b\n"]) buffer.push(chunk);
    expect(buffer.value()).toBe("ok 1 - a\nok 2 - b\n");
    expect(buffer.truncated).toBe(false);
  });

  it("past its limit keeps the head, the tail and the middle's result lines, within bounds", () => {
    const limits = { fullChars: 200, headChars: 20, tailChars: 40, resultChars: 60 };
    const buffer = new ParseBuffer(limits);
    buffer.push("TAP version 13\nnoise noise noise\n");
    for (let i = 0; i < 50; i++) buffer.push(i === 10 ? "not ok 11 - the middle one\n" : "console noise here\n");
    buffer.push("# pass 49\n# fail 1\n");
    const text = buffer.value();
    expect(buffer.truncated).toBe(true);
    expect(text.startsWith("TAP version 13\n")).toBe(true);
    expect(text).toContain("not ok 11 - the middle one\n");
    expect(text.endsWith("# pass 49\n# fail 1\n")).toBe(true);
    expect(text).toMatch(/\[patchbay: \d+ characters of output left out here; test result lines kept\]/);
    expect(text.length).toBeLessThan(20 * 2 + 40 * 2 + 60 + 100);
  });
});

describe("CheckOutput", () => {
  it("prefers the live, interleaved copy", () => {
    const output = new CheckOutput();
    output.push("stdout", "out1\n");
    output.push("stderr", "err1\n");
    output.push("stdout", "out2\n");
    expect(output.finish(result("out1\nout2\n", "err1\n"))).toBe("out1\nerr1\nout2\n");
  });

  it("falls back to the result's streams when live output was missing or cut short", () => {
    expect(new CheckOutput().finish(result("out", "err\n"))).toBe("out\nerr\n");
    const short = new CheckOutput();
    short.push("stdout", "out");
    expect(short.finish(result("out and more\n", "err\n"))).toBe("out and more\nerr\n");
  });

  it("adds the end the workspace kept after its live output stopped", () => {
    const output = new CheckOutput();
    output.push("stdout", "line 1\nline 2\nline 3\n");
    output.push("stdout", "\n[... live output stopped after 21 bytes ...]\n");
    const kept = "line 1\n[... 900 bytes omitted ...]\nline 99\n# pass 99\n";
    expect(output.finish(result(kept, "", 900))).toBe(
      "line 1\nline 2\nline 3\n\n[... live output stopped after 21 bytes ...]\nline 99\n# pass 99\n",
    );
  });
});

describe("missingEnd", () => {
  it("is empty when the live copy reached the stream's end, and the rest after the overlap otherwise", () => {
    expect(missingEnd("a\nb\n", "a\nb\n")).toBe("");
    expect(missingEnd("a\nb\n[... live output stopped after 4 bytes ...]\n", "a\nb\nc\n")).toBe("c\n");
  });
});

describe("outputTail", () => {
  it("returns short output whole, without colours", () => {
    expect(outputTail("\u001b[31mred\u001b[39m\r\n", 100)).toBe("red\n");
  });

  it("cuts at a character boundary", () => {
    const tail = outputTail(`${"x".repeat(10)}ééé`, 5);
    expect(tail).toBe("éé");
    expect(Buffer.byteLength(tail)).toBeLessThanOrEqual(5);
  });
});
