import { crc32, inflateRawSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { buildWheel, normalizeProjectName } from "./wheel.js";

// Reads a zip through its central directory, as installers do.
function readZip(zip: Buffer): Map<string, string> {
  const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  const count = zip.readUInt16LE(end + 10);
  let at = zip.readUInt32LE(end + 16);
  const files = new Map<string, string>();
  for (let i = 0; i < count; i++) {
    const nameLength = zip.readUInt16LE(at + 28);
    const name = zip.subarray(at + 46, at + 46 + nameLength).toString("utf8");
    const local = zip.readUInt32LE(at + 42);
    const packed = zip.readUInt32LE(at + 20);
    const dataAt = local + 30 + zip.readUInt16LE(local + 26);
    const data = inflateRawSync(zip.subarray(dataAt, dataAt + packed));
    expect(crc32(data)).toBe(zip.readUInt32LE(at + 16));
    files.set(name, data.toString("utf8"));
    at += 46 + nameLength;
  }
  return files;
}

describe("buildWheel", () => {
  const spec = {
    name: "My.Pkg",
    version: "1.2",
    modules: { "my_pkg/__init__.py": "X = 1\n" },
    dependencies: ["other>=2"],
  };

  it("names the wheel and its dist-info after the normalized project", () => {
    const wheel = buildWheel(spec);
    expect(normalizeProjectName("My.Pkg__x")).toBe("my-pkg-x");
    expect(wheel.project).toBe("my-pkg");
    expect(wheel.filename).toBe("my_pkg-1.2-py3-none-any.whl");
    const files = readZip(wheel.bytes);
    expect([...files.keys()]).toEqual([
      "my_pkg/__init__.py",
      "my_pkg-1.2.dist-info/METADATA",
      "my_pkg-1.2.dist-info/WHEEL",
      "my_pkg-1.2.dist-info/RECORD",
    ]);
    expect(files.get("my_pkg-1.2.dist-info/METADATA")).toContain("Requires-Dist: other>=2\n");
    expect(files.get("my_pkg-1.2.dist-info/RECORD")).toContain(
      "my_pkg/__init__.py,sha256=Crrh4K5yghbuRJk8Wjp1X4scOH2Uf8TE9yyrDkqEIUs,6\n",
    );
  });

  it("gives the same bytes for the same input", () => {
    expect(buildWheel(spec).sha256).toBe(buildWheel(spec).sha256);
  });

  it("rejects a module path that leaves the wheel", () => {
    expect(() => buildWheel({ ...spec, modules: { "../evil.py": "" } })).toThrow(/relative/);
  });
});
