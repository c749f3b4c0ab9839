import { describe, expect, it } from "vitest";
import { truncateMiddle, truncatePair } from "./truncate.js";

describe("truncateMiddle", () => {
  it("leaves short text alone", () => {
    expect(truncateMiddle("abc", 10)).toBe("abc");
  });

  it("keeps head and tail within the limit and says how much was cut", () => {
    const text = `${"a".repeat(500)}${"z".repeat(500)}`;
    const out = truncateMiddle(text, 200);
    expect(out.length).toBeLessThanOrEqual(200);
    expect(out.startsWith("aaaa")).toBe(true);
    expect(out.endsWith("zzzz")).toBe(true);
    expect(out).toContain("[… 860 characters truncated …]");
  });
});

describe("truncatePair", () => {
  it("gives a short stream all it needs and the rest to the other", () => {
    const { stdout, stderr } = truncatePair("x".repeat(1000), "error!", 200);
    expect(stderr).toBe("error!");
    expect(stdout.length + stderr.length).toBeLessThanOrEqual(200);
  });

  it("splits evenly when both are long", () => {
    const { stdout, stderr } = truncatePair("o".repeat(1000), "e".repeat(1000), 200);
    expect(stdout.length).toBeLessThanOrEqual(100);
    expect(stderr.length).toBeLessThanOrEqual(100);
  });
});
