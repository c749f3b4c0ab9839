import { describe, expect, it } from "vitest";
import { reciprocalRankFusion } from "./fusion.js";

describe("reciprocalRankFusion", () => {
  it("ranks an item found by both lists above items found by one", () => {
    const fused = reciprocalRankFusion([
      ["a", "b", "c"],
      ["d", "c", "e"],
    ]);
    expect(fused[0]?.id).toBe("c");
    expect(fused.map((f) => f.id).sort()).toEqual(["a", "b", "c", "d", "e"]);
  });

  it("scores 1/(k+rank) summed over lists", () => {
    const [top] = reciprocalRankFusion([["x"], ["x"]], 60);
    expect(top?.score).toBeCloseTo(2 / 61, 10);
  });

  it("keeps a single list's order", () => {
    expect(reciprocalRankFusion([["p", "q", "r"]]).map((f) => f.id)).toEqual(["p", "q", "r"]);
  });
});
