import { describe, expect, it } from "vitest";
import { loadRepoConfig, parseRepoConfig } from "./config-file.js";
import { LocalWorkspace } from "./test-support/local-workspace.js";

describe(".patchbay.yml", () => {
  it("reads every setting; a single setup command or junit path becomes a list", () => {
    const config = parseRepoConfig(
      "setup: npm ci\ntest: npm test\nlint: npm run lint\nprotectTests: true\ntestGlobs: [spec/**]\njunit: out/junit.xml\ntimeouts: {setup: 600, test: 90}\n",
    );
    expect(config).toEqual({
      setup: ["npm ci"],
      test: "npm test",
      lint: "npm run lint",
      protectTests: true,
      testGlobs: ["spec/**"],
      junit: ["out/junit.xml"],
      timeouts: { setup: 600, test: 90 },
    });
  });

  it("accepts an empty file", () => {
    expect(parseRepoConfig("# nothing yet\n")).toEqual({});
  });

  it("rejects unknown keys, wrong types and paths outside the repository, naming each", () => {
    const attempt = () => parseRepoConfig("tests: npm test\nprotectTests: yes please\njunit: ../x.xml\n");
    expect(attempt).toThrow(expect.objectContaining({ code: "invalid_config" }));
    expect(attempt).toThrow(/protectTests: .*boolean/);
    expect(attempt).toThrow(/junit: must be a path inside the repository/);
    expect(attempt).toThrow(/tests/);
  });

  it("rejects YAML that does not parse", () => {
    expect(() => parseRepoConfig("test: [npm test\n")).toThrow(/\.patchbay\.yml is not valid YAML/);
    expect(() => parseRepoConfig("- just\n- a list\n")).toThrow(/invalid_config|expected object/);
  });

  it("is null when the repository has none", async () => {
    const workspace = await LocalWorkspace.create({ "README.md": "hi" });
    try {
      expect(await loadRepoConfig(workspace)).toBeNull();
      await workspace.writeFile(".patchbay.yml", "timeouts: {test: 0}\n");
      await expect(loadRepoConfig(workspace)).rejects.toMatchObject({ code: "invalid_config" });
    } finally {
      await workspace.dispose();
    }
  });
});
