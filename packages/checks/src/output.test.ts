import type { ExecResult } from "@patchbay/core";
import { describe, expect, it } from "vitest";
import { combinedOutput, outputTail, TailBuffer } from "./output.js";

function result(stdout: string, stderr: string): ExecResult {
  return { exitCode: 0, stdout, stderr, timedOut: false, durationMs: 1, truncatedBytes: 0 };
}

describe("TailBuffer", () => {
  it("keeps the last characters and says when it dropped some", () => {
    const buffer = new TailBuffer(5);
    for (const chunk of ["ab", "cd", "ef", "gh"]) buffer.push(chunk);
    expect(buffer.value()).toBe("defgh");
    expect(buffer.truncated).toBe(true);
  });
});

describe("combinedOutput", () => {
  it("prefers the live, interleaved copy", () => {
    const live = new TailBuffer(100);
    live.push("out1\n");
    live.push("err1\n");
    live.push("out2\n");
    expect(combinedOutput(live, result("out1\nout2\n", "err1\n"))).toBe("out1\nerr1\nout2\n");
  });

  it("falls back to the result's streams when live output was missing or cut short", () => {
    expect(combinedOutput(new TailBuffer(100), result("out", "err\n"))).toBe("out\nerr\n");
    const short = new TailBuffer(100);
    short.push("out");
    expect(combinedOutput(short, result("out and more\n", "err\n"))).toBe("out and more\nerr\n");
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
