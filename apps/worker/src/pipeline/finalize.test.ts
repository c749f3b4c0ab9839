import { describe, expect, it } from "vitest";
import { parseNameStatus, parseNumstat } from "./finalize.js";
import { commitMessage } from "./push.js";

describe("git diff output", () => {
  it("counts files and lines of -z numstat, renames and binaries included", () => {
    const numstat = "1\t1\tsrc/a.js\0-\t-\tlogo.bin\0" + "0\t0\t\0old name.js\0new name.js\0" + "3\t0\tnew.js\0";
    expect(parseNumstat(numstat)).toEqual({ files: 4, insertions: 4, deletions: 1 });
  });

  it("reads -z name-status with renames", () => {
    expect(parseNameStatus("M\0src/a.js\0R100\0old.js\0new.js\0D\0gone.js\0A\0tab\there.js\0")).toEqual([
      { status: "modified", path: "src/a.js" },
      { status: "renamed", from: "old.js", path: "new.js" },
      { status: "deleted", path: "gone.js" },
      { status: "added", path: "tab\there.js" },
    ]);
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
