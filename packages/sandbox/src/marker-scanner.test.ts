import { describe, expect, it } from "vitest";
import { MarkerScanner, partialMatchLength } from "./marker-scanner.js";

const MARKER = Buffer.from("\0PB:abc");

function feed(chunks: string[]): { out: string; scanner: MarkerScanner } {
  const scanner = new MarkerScanner(MARKER);
  const out = chunks.map((c) => scanner.push(Buffer.from(c)).toString()).join("");
  return { out, scanner };
}

describe("MarkerScanner", () => {
  it("passes output through and takes the marker line out", () => {
    const { out, scanner } = feed(["hello\n", "no newline\0PB:abc:0:1:2:0\n"]);
    expect(out).toBe("hello\nno newline");
    expect(scanner.done).toBe(true);
    expect(scanner.fields).toBe(":0:1:2:0");
  });

  it("finds a marker split across chunks at every position", () => {
    const whole = "out\0put\0PB:abc:7:0:0:1\n";
    for (let cut = 0; cut <= whole.length; cut++) {
      const { out, scanner } = feed([whole.slice(0, cut), whole.slice(cut)]);
      expect(out).toBe("out\0put");
      expect(scanner.fields).toBe(":7:0:0:1");
    }
  });

  it("releases a partial look-alike once it stops matching", () => {
    const scanner = new MarkerScanner(MARKER);
    expect(scanner.push(Buffer.from("x\0PB")).toString()).toBe("x");
    expect(scanner.push(Buffer.from(":abd")).toString()).toBe("\0PB:abd");
    expect(scanner.done).toBe(false);
  });

  it("drops what comes after the marker (a straggler's output)", () => {
    const { out, scanner } = feed(["a\0PB:abc\nlate", "more"]);
    expect(out).toBe("a");
    expect(scanner.fields).toBe("");
  });

  it("measures partial matches", () => {
    expect(partialMatchLength(Buffer.from("xx\0P"), MARKER)).toBe(2);
    expect(partialMatchLength(Buffer.from("xx"), MARKER)).toBe(0);
  });
});
