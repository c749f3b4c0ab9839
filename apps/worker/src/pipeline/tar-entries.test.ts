import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { regularFiles } from "./tar-entries.js";

const dir = mkdtempSync(path.join(tmpdir(), "tar-entries-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const longDir = `${"deep-folder-name/".repeat(8)}leaf`;
const binary = Buffer.from([0, 1, 2, 255, 254, 0, 10]);

function tarOf(format: string, members: string[]) {
  const child = spawn(
    "tar",
    ["-c", "-f", "-", `--format=${format}`, "-C", dir, "--no-recursion", "--ignore-failed-read", ...members],
    {
      stdio: ["ignore", "pipe", "ignore"],
    },
  );
  return child.stdout;
}

describe("regularFiles reads GNU tar's output", () => {
  mkdirSync(path.join(dir, longDir), { recursive: true });
  writeFileSync(path.join(dir, "README.md"), "# hi\n");
  writeFileSync(path.join(dir, "empty.txt"), "");
  writeFileSync(path.join(dir, "bin.dat"), binary);
  writeFileSync(path.join(dir, "big.txt"), "x".repeat(5000));
  writeFileSync(path.join(dir, longDir, "ünïcode name.md"), "long\n");
  symlinkSync("README.md", path.join(dir, "link.md"));
  const members = [
    "./README.md",
    "./empty.txt",
    "./bin.dat",
    "./big.txt",
    `./${longDir}/ünïcode name.md`,
    "./link.md",
    "./missing.md",
    `./${longDir}`,
  ];

  for (const format of ["gnu", "posix", "ustar"]) {
    it(`keeps regular files up to the limit by path, and nothing else (${format})`, async () => {
      const members2 = format === "ustar" ? members.filter((m) => !m.includes("ünïcode")) : members;
      const files = await regularFiles(tarOf(format, members2), 4096);
      const expected: Record<string, Buffer> = {
        "README.md": Buffer.from("# hi\n"),
        "empty.txt": Buffer.alloc(0),
        "bin.dat": binary,
      };
      if (format !== "ustar") expected[`${longDir}/ünïcode name.md`] = Buffer.from("long\n");
      expect(Object.fromEntries(files)).toEqual(expected);
    });
  }
});
