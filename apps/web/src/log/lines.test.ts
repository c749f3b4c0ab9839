import { describe, expect, it } from "vitest";
import { LogLines } from "./lines.js";

describe("LogLines", () => {
  it("joins a line split across chunks of the same stream and keeps streams apart", () => {
    const lines = new LogLines();
    lines.addChunk("npm ci\nadded 3 pack", "out");
    lines.addChunk("ages\n", "out");
    lines.addChunk("warn: old", "err");
    lines.addChunk(" lockfile\n", "out");
    expect(lines.text).toEqual(["npm ci", "added 3 packages", "warn: old", " lockfile"]);
    expect(lines.kind).toEqual(["out", "out", "err", "out"]);
  });

  it("a note closes an open line; find is case-insensitive and starts where asked", () => {
    const lines = new LogLines();
    lines.addChunk("Error one", "out");
    lines.addLine("— running");
    lines.addChunk("more\nerror two\n", "out");
    expect(lines.text).toEqual(["Error one", "— running", "more", "error two"]);
    expect(lines.find("ERROR")).toEqual([0, 3]);
    expect(lines.find("error", 1)).toEqual([3]);
    expect(lines.find("")).toEqual([]);
  });
});
