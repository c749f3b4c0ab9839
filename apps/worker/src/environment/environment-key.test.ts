import { DEFAULT_PROJECT_ENVIRONMENT } from "@patchbay/core";
import { describe, expect, it } from "vitest";
import { environmentKey, type KeyInputs } from "./environment-key.js";
import type { IndexEntry } from "./index-reader.js";

const inputs: KeyInputs = {
  imageId: "sha256:image",
  repoUrl: "https://git.example/team/app.git",
  spec: {},
  project: DEFAULT_PROJECT_ENVIRONMENT,
  allow: ["registry.example"],
};

function index(files: Record<string, string>): Map<string, IndexEntry> {
  return new Map(Object.entries(files).map(([path, oid]) => [path, { mode: "100644", oid, stage: "0" }]));
}

const base = { "package.json": "a1", "package-lock.json": "b1", "src/app.js": "c1" };

describe("environmentKey", () => {
  it("is the same when only source files change, and new when a lockfile or the setup does", () => {
    const key = environmentKey(index(base), inputs);
    expect(environmentKey(index({ ...base, "src/app.js": "c2", "src/new.js": "d1" }), inputs)).toBe(key);
    expect(environmentKey(index({ ...base, "package-lock.json": "b2" }), inputs)).not.toBe(key);
    expect(environmentKey(index({ ...base, "packages/ui/package.json": "e1" }), inputs)).not.toBe(key);
    expect(environmentKey(index(base), { ...inputs, spec: { setup: ["npm ci"] } })).not.toBe(key);
    expect(environmentKey(index(base), { ...inputs, imageId: "sha256:rebuilt" })).not.toBe(key);
  });

  it("names one repository however its URL is written, and ignores the order of allowed hosts", () => {
    const key = environmentKey(index(base), { ...inputs, allow: ["a.example", "b.example"] });
    const same = { ...inputs, repoUrl: "https://GIT.example/team/app/", allow: ["b.example", "a.example"] };
    expect(environmentKey(index(base), same)).toBe(key);
  });
});
