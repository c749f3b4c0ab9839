import { describe, expect, it } from "vitest";
import { selectRepoFiles } from "./repo-docs.js";

describe("selectRepoFiles", () => {
  const paths = [
    "README.md",
    "AGENTS.md",
    "docs/deploy.md",
    "docs/api.html",
    "src/cart.ts",
    "src/cart.test.ts",
    "pkg/notes.MD",
    "node_modules/x/README.md",
    "dist/index.js",
    "image.png",
    "scripts/tool.py",
  ];

  it("takes docs first, then code, and skips vendored trees, tests and binaries", () => {
    expect(selectRepoFiles(paths, true, 100)).toEqual([
      "README.md",
      "AGENTS.md",
      "docs/deploy.md",
      "docs/api.html",
      "pkg/notes.MD",
      "src/cart.ts",
      "scripts/tool.py",
    ]);
  });

  it("leaves code out when asked and caps the count", () => {
    expect(selectRepoFiles(paths, false, 3)).toEqual(["README.md", "AGENTS.md", "docs/deploy.md"]);
  });
});
