import { describe, expect, it } from "vitest";
import { patchPaths } from "./hidden-checks.js";

describe("patchPaths", () => {
  it("names changed, added, deleted and renamed files, and only paths inside the checkout", () => {
    const patch = [
      "diff --git a/tests/test_a.py b/tests/test_a.py",
      "--- a/tests/test_a.py",
      "+++ b/tests/test_a.py",
      "@@ -1 +1,2 @@",
      "--- a/not/a/header.py",
      "+x",
      "diff --git a/tests/new.py b/tests/new.py",
      "new file mode 100644",
      "--- /dev/null",
      "+++ b/tests/new.py",
      "diff --git a/old.py b/gone.py",
      "rename from old.py",
      "rename to gone.py",
      "--- a/../escape.py",
      "+++ b/../escape.py",
      "--- plain.py\t2024-01-01 00:00:00",
      "+++ plain.py\t2024-01-01 00:00:00",
    ].join("\n");
    expect(patchPaths(patch)).toEqual(["tests/test_a.py", "tests/new.py", "old.py", "gone.py", "plain.py"]);
  });
});
