import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { CliError } from "../api-client.js";
import { loadInstances } from "./instance.js";

const SHIPPED = path.resolve(import.meta.dirname, "../../../../eval/instances/instances.json");
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const instance = (id: string, repository: Record<string, string>) => ({
  id,
  repository,
  baseCommit: "0123abcd",
  problemStatement: "It breaks.",
  test: "python3 -m pytest -v",
  testPatch: "diff --git a/t.py b/t.py\n",
  failToPass: ["t.py::test_it"],
});

function file(content: unknown): string {
  const dir = mkdtempSync(path.join(tmpdir(), "patchbay-eval-instances-"));
  dirs.push(dir);
  const name = path.join(dir, "set.json");
  writeFileSync(name, JSON.stringify(content));
  return name;
}

describe("eval instance files", () => {
  it("resolve bundle and checkout paths against the file's folder; passToPass defaults to none", () => {
    const name = file([
      instance("a", { url: "https://example.org/a.git", bundle: "bundles/a.bundle" }),
      instance("b", { url: "https://example.org/b.git", path: "../b" }),
    ]);
    const [a, b] = loadInstances(name);
    expect(a?.repository.bundle).toBe(path.join(path.dirname(name), "bundles/a.bundle"));
    expect(b?.repository.path).toBe(path.resolve(path.dirname(name), "../b"));
    expect(a?.passToPass).toEqual([]);
  });

  it("name every problem and refuse a repeated id", () => {
    const bad = { ...instance("x", { url: "u" }), baseCommit: "main", failToPass: [] };
    expect(() => loadInstances(file({ instances: [bad] }))).toThrow(/0\.baseCommit.*\n.*0\.failToPass/s);
    const twice = [instance("a", { url: "u" }), instance("a", { url: "u" })];
    expect(() => loadInstances(file(twice))).toThrow(CliError);
    expect(() => loadInstances(file(twice))).toThrow(/instance id a appears twice/);
  });

  it("the shipped set parses: five projects, three runners, a gold patch each", () => {
    const shipped = loadInstances(SHIPPED);
    expect(new Set(shipped.map((i) => i.repository.url)).size).toBeGreaterThanOrEqual(5);
    expect(new Set(shipped.map((i) => i.reference?.runner))).toEqual(new Set(["pytest", "unittest", "node:test"]));
    for (const i of shipped) expect(i.goldPatch, i.id).toMatch(/^diff --git /);
  });
});
