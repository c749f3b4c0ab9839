import { describe, expect, it } from "vitest";
import { REQUEST_HEAD_BYTES } from "./shell-script.js";
import { encodeRequest } from "./shell-session.js";

const request = { cwd: "/workspace", command: "echo hi", env: ["A=1", "B=2"], plain: true };

describe("encodeRequest", () => {
  it("writes the fixed head the session script reads in one go, then NUL-terminated fields", () => {
    const bytes = encodeRequest("0123456789abcdef", request).toString("utf8");
    expect(bytes.slice(0, REQUEST_HEAD_BYTES)).toBe("0123456789abcdef100000002");
    expect(bytes.slice(REQUEST_HEAD_BYTES).split("\0")).toEqual(["/workspace", "echo hi", "A=1", "B=2", ""]);
  });

  it("refuses an id of another size instead of leaving the shell waiting for the rest of its head", () => {
    expect(() => encodeRequest("abc", request)).toThrow(/head must be/);
    expect(() => encodeRequest("0123456789abcdef0", request)).toThrow(/head must be/);
  });
});
