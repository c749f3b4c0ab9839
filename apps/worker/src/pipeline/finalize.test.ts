import { describe, expect, it } from "vitest";
import { parseDiffSummary } from "./finalize.js";
import { commitMessage } from "./push.js";

describe("git diff output", () => {
  // In the form `git diff --raw --numstat -z --find-renames` prints (raw records, then numstat).
  const raw =
    ":100644 100644 fd65740 b50c7a6 M\0src/a.js\0:100644 100644 70e6139 70e6139 R100\0old name.js\0new name.js\0" +
    ":100644 000000 3e75765 0000000 D\0Makefile\0:000000 100644 0000000 9e1b2c3 A\0tab\there.js\0" +
    ":000000 100644 0000000 1f2e3d4 A\0logo.bin\0";
  const numstat =
    "1\t1\tsrc/a.js\0" +
    "0\t0\t\0old name.js\0new name.js\0" +
    "0\t1\tMakefile\0" +
    "3\t0\ttab\there.js\0-\t-\tlogo.bin\0";

  it("reads the changes, renames with their old path, paths that look like records included", () => {
    expect(parseDiffSummary(raw + numstat).changes).toEqual([
      { status: "modified", path: "src/a.js" },
      { status: "renamed", from: "old name.js", path: "new name.js" },
      { status: "deleted", path: "Makefile" },
      { status: "added", path: "tab\there.js" },
      { status: "added", path: "logo.bin" },
    ]);
  });

  it("counts files and lines, renames and binaries included", () => {
    expect(parseDiffSummary(raw + numstat).stats).toEqual({ files: 5, insertions: 4, deletions: 2 });
  });

  it("reads a path that starts with a colon as a path", () => {
    const text = ":000000 100644 0000000 1f2e3d4 A\0:odd\t1\t2\0" + "1\t0\t:odd\t1\t2\0";
    expect(parseDiffSummary(text)).toEqual({
      changes: [{ status: "added", path: ":odd\t1\t2" }],
      stats: { files: 1, insertions: 1, deletions: 0 },
    });
  });
});

describe("commitMessage", () => {
  it("uses the task's first line as the subject and ends with the job id", () => {
    expect(commitMessage("Fix the cart total", "Changed > to >=.", "job-1")).toBe(
      "Fix the cart total\n\nChanged > to >=.\n\nPatchbay-Job: job-1",
    );
    const long = `${"x".repeat(80)}\nmore`;
    expect(commitMessage(long, null, "j").split("\n")[0]).toHaveLength(72);
  });
});
