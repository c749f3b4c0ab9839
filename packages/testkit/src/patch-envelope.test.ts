import { describe, expect, it } from "vitest";
import { patchEnvelope } from "./patch-envelope.js";

describe("patchEnvelope", () => {
  it("adds a file from a +-prefixed diff or from plain content", () => {
    const expected = "*** Begin Patch\n*** Add File: src/new.ts\n+export const a = 1;\n+\n*** End Patch";
    expect(patchEnvelope({ type: "create_file", path: "src/new.ts", diff: "+export const a = 1;\n+\n" })).toBe(
      expected,
    );
    expect(patchEnvelope({ type: "create_file", path: "src/new.ts", diff: "export const a = 1;\n\n" })).toBe(expected);
  });

  it("wraps an update diff and a delete", () => {
    expect(patchEnvelope({ type: "update_file", path: "a.ts", diff: "@@ fn()\n-old\n+new\n" })).toBe(
      "*** Begin Patch\n*** Update File: a.ts\n@@ fn()\n-old\n+new\n*** End Patch",
    );
    expect(patchEnvelope({ type: "delete_file", path: "a.ts" })).toBe(
      "*** Begin Patch\n*** Delete File: a.ts\n*** End Patch",
    );
  });

  it("creates an empty file from an empty diff", () => {
    expect(patchEnvelope({ type: "create_file", path: "empty", diff: "" })).toBe(
      "*** Begin Patch\n*** Add File: empty\n*** End Patch",
    );
  });
});
