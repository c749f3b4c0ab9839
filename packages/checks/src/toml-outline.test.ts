import { describe, expect, it } from "vitest";
import { inlineTableKeys, tomlOutline, tomlStringArray } from "./toml-outline.js";

describe("tomlOutline", () => {
  it("finds tables and keys, with quoted and dotted names", () => {
    const outline = tomlOutline(
      [
        'title = "x" # [not.a.table]',
        "[project]",
        'name = "demo"',
        'optional-dependencies.extra = ["a"]',
        '[tool.poetry.group."test-x"]',
        "optional = true",
        "[[tool.mypy.overrides]]",
        'module = "m"',
      ].join("\n"),
    );
    expect([...outline.keys()]).toEqual([
      "",
      "project",
      "project.optional-dependencies",
      "tool.poetry.group.test-x",
      "tool.mypy.overrides",
    ]);
    expect(outline.get("")?.get("title")).toBe('"x"');
    expect(outline.get("project.optional-dependencies")?.get("extra")).toBe('["a"]');
    expect(outline.get("tool.poetry.group.test-x")?.get("optional")).toBe("true");
  });

  it("joins multi-line arrays and skips multi-line strings, so their lines are not keys or tables", () => {
    const outline = tomlOutline(
      [
        "[project]",
        "dependencies = [",
        '  "a[b]>=1",  # a comment with ]',
        "  'c',",
        "]",
        'description = """',
        "[not-a-table]",
        'fake = "key"',
        '"""',
        'after = "yes"',
      ].join("\n"),
    );
    expect([...outline.keys()]).toEqual(["", "project"]);
    const project = outline.get("project")!;
    expect([...project.keys()]).toEqual(["dependencies", "description", "after"]);
    expect(tomlStringArray(project.get("dependencies")!).strings).toEqual(["a[b]>=1", "c"]);
  });

  it("reads inline table keys and include-group entries", () => {
    expect(inlineTableKeys('{ test = ["pytest", "x={y}"], "dev-x" = [] }')).toEqual(["test", "dev-x"]);
    expect(tomlStringArray('[{include-group = "test"}, "ipython", \'rich\']')).toEqual({
      strings: ["ipython", "rich"],
      includeGroups: ["test"],
    });
  });
});
