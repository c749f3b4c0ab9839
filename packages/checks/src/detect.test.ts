import { afterEach, describe, expect, it } from "vitest";
import { detectChecks, makefileTargets } from "./detect.js";
import { LocalWorkspace } from "./test-support/local-workspace.js";

const workspaces: LocalWorkspace[] = [];

async function detectIn(files: Record<string, string>) {
  const workspace = await LocalWorkspace.create(files);
  workspaces.push(workspace);
  return detectChecks(workspace);
}

const pkg = (value: object) => JSON.stringify(value);

afterEach(async () => {
  await Promise.all(workspaces.splice(0).map((w) => w.dispose()));
});

describe("detectChecks: package.json", () => {
  it("finds test and lint scripts and installs with npm ci from a lockfile", async () => {
    const detected = await detectIn({
      "package.json": pkg({ scripts: { test: "node --test", lint: "eslint ." }, devDependencies: { eslint: "^9" } }),
      "package-lock.json": "{}",
    });
    expect(detected).toEqual({
      setup: ["npm ci"],
      setupReasons: ["package-lock.json → npm ci"],
      test: { command: "npm test", source: "package.json scripts.test" },
      lint: { command: "npm run lint", source: "package.json scripts.lint" },
    });
  });

  it("uses pnpm from its lockfile and skips the install when node_modules exists", async () => {
    const detected = await detectIn({
      "package.json": pkg({ scripts: { test: "vitest run" }, dependencies: { zod: "4" } }),
      "pnpm-lock.yaml": "lockfileVersion: '9.0'\n",
      "node_modules/zod/package.json": "{}",
    });
    expect(detected.setup).toEqual([expect.stringMatching(/corepack install -g pnpm@9$/)]);
    expect(detected.setupReasons).toContain("node_modules/ is in the checkout → no install");
    expect(detected.test).toEqual({ command: "corepack pnpm test", source: "package.json scripts.test" });
  });

  it("uses yarn from its lockfile", async () => {
    const detected = await detectIn({
      "package.json": pkg({ scripts: { test: "jest", lint: "eslint ." }, devDependencies: { jest: "29" } }),
      "yarn.lock": "",
    });
    expect(detected.setup).toEqual([
      expect.stringMatching(/corepack install -g yarn@1$/),
      "corepack yarn install --frozen-lockfile",
    ]);
    expect(detected.test?.command).toBe("corepack yarn test");
    expect(detected.lint?.command).toBe("corepack yarn run lint");
  });

  it("installs with npm install without a lockfile, and only when there are dependencies", async () => {
    expect((await detectIn({ "package.json": pkg({ dependencies: { a: "1" } }) })).setup).toEqual(["npm install"]);
    expect((await detectIn({ "package.json": pkg({ dependencies: {}, scripts: {} }) })).setup).toEqual([]);
  });

  it("ignores npm's placeholder test script", async () => {
    const detected = await detectIn({
      "package.json": pkg({ scripts: { test: 'echo "Error: no test specified" && exit 1' } }),
    });
    expect(detected).toEqual({
      setup: [],
      setupReasons: ["package.json declares no dependencies or workspaces → no install"],
    });
  });

  it("ignores an unreadable package.json and falls back to the Makefile", async () => {
    const detected = await detectIn({ "package.json": "{ not json", Makefile: "test:\n\t./run-tests\n" });
    expect(detected).toMatchObject({ setup: [], test: { command: "make test", source: "Makefile target test" } });
  });
});

describe("detectChecks: Python", () => {
  it("runs pytest when pyproject.toml configures it", async () => {
    const detected = await detectIn({ "pyproject.toml": '[tool.pytest.ini_options]\naddopts = "-ra"\n' });
    expect(detected.test).toEqual({ command: "python3 -m pytest -q", source: "pytest (pyproject.toml)" });
  });

  it("runs pytest for pytest.ini and a setup.cfg [tool:pytest] section", async () => {
    expect((await detectIn({ "pytest.ini": "[pytest]\n" })).test?.source).toBe("pytest (pytest.ini)");
    expect((await detectIn({ "setup.cfg": "[metadata]\nname = x\n\n[tool:pytest]\n" })).test?.source).toBe(
      "pytest (setup.cfg)",
    );
  });

  it("runs unittest for unittest-style files in tests/", async () => {
    const test = "import unittest\n\nclass T(unittest.TestCase):\n    def test_a(self):\n        pass\n";
    expect((await detectIn({ "tests/test_a.py": test })).test).toEqual({
      command: "python3 -m unittest discover -s tests -v",
      source: "unittest (tests/)",
    });
    expect((await detectIn({ "tests/test_a.py": test, "tests/__init__.py": "" })).test?.command).toBe(
      "python3 -m unittest discover -s tests -t . -v",
    );
  });

  it("runs pytest for plain test functions in tests/", async () => {
    const detected = await detectIn({ "tests/test_a.py": "def test_a():\n    assert 1\n", "src/a.py": "" });
    expect(detected.test).toEqual({ command: "python3 -m pytest -q", source: "pytest (tests/)" });
  });

  it("runs pytest for a Python project without tests/ evidence", async () => {
    expect((await detectIn({ "pyproject.toml": '[project]\nname = "x"\n' })).test?.source).toBe(
      "pytest (pyproject.toml)",
    );
  });
});

describe("detectChecks: Makefile, Go, Cargo", () => {
  it("prefers Makefile targets over language conventions", async () => {
    const detected = await detectIn({
      Makefile: ".PHONY: test lint\n\ntest: build\n\tgo test -race ./...\n\nlint:\n\tgolangci-lint run\n",
      "go.mod": "module example.com/x\n",
    });
    expect(detected).toMatchObject({
      setup: [],
      test: { command: "make test", source: "Makefile target test" },
      lint: { command: "make lint", source: "Makefile target lint" },
    });
  });

  it("runs go test for go.mod and cargo test for Cargo.toml", async () => {
    expect((await detectIn({ "go.mod": "module x\n" })).test).toEqual({ command: "go test ./...", source: "go.mod" });
    expect((await detectIn({ "Cargo.toml": "[package]\n" })).test).toEqual({
      command: "cargo test",
      source: "Cargo.toml",
    });
  });

  it("finds nothing in an empty repository", async () => {
    expect(await detectIn({ "README.md": "# hi\n" })).toEqual({
      setup: [],
      setupReasons: ["no package.json, requirements*.txt, pyproject.toml, setup.py or setup.cfg → nothing to install"],
    });
  });
});

describe("makefileTargets", () => {
  it("reads rule targets, not assignments or recipes", () => {
    const text = [
      "GO := go",
      "FLAGS ::= -v",
      "VERSION = 1",
      ".PHONY: all test",
      "all test: build",
      "\t$(GO) test ./... # test: not a target",
      "lint::",
      "$(BIN)/%: src/%.c",
    ].join("\n");
    expect([...makefileTargets(text)].sort()).toEqual([".PHONY", "$(BIN)/%", "all", "lint", "test"].sort());
  });
});
