import { afterEach, describe, expect, it } from "vitest";
import { detectChecks } from "./detect.js";
import { planChecks } from "./plan.js";
import { LocalWorkspace } from "./test-support/local-workspace.js";

const workspaces: LocalWorkspace[] = [];

async function workspace(files: Record<string, string>) {
  const ws = await LocalWorkspace.create(files);
  workspaces.push(ws);
  return ws;
}
const detectIn = async (files: Record<string, string>) => detectChecks(await workspace(files));

afterEach(async () => {
  await Promise.all(workspaces.splice(0).map((w) => w.dispose()));
});

const pkg = (value: object) => JSON.stringify({ scripts: { test: "t", lint: "l" }, ...value });
const deps = { dependencies: { a: "1" } };
const COREPACK =
  /^COREPACK_ENABLE_DOWNLOAD_PROMPT=0 COREPACK_INTEGRITY_KEYS=0 COREPACK_NPM_REGISTRY="\$\(npm config get registry \| sed 's:\/\*\$::'\)" corepack install/;
const corepack = (rest: string) =>
  expect.stringMatching(new RegExp(`${COREPACK.source}${rest.replace(/[.@+]/g, "\\$&")}$`));
const YARN_REGISTRY = `YARN_NPM_REGISTRY_SERVER="$(npm config get registry | sed 's:/*$::')" `;

describe("Node setup", () => {
  it("npm: npm ci with package-lock.json or npm-shrinkwrap.json, npm install without a lockfile", async () => {
    const lock = await detectIn({ "package.json": pkg(deps), "package-lock.json": "{}" });
    expect(lock).toMatchObject({ setup: ["npm ci"], setupReasons: ["package-lock.json → npm ci"] });
    expect(lock.test?.command).toBe("npm test");
    const shrinkwrap = await detectIn({ "package.json": pkg(deps), "npm-shrinkwrap.json": "{}" });
    expect(shrinkwrap.setupReasons).toEqual(["npm-shrinkwrap.json → npm ci"]);
    const none = await detectIn({ "package.json": pkg(deps) });
    expect(none).toMatchObject({
      setup: ["npm install"],
      setupReasons: ["package.json without a lockfile → npm install"],
    });
  });

  it("installs for workspaces even when the root declares no dependencies", async () => {
    expect((await detectIn({ "package.json": pkg({ workspaces: ["packages/*"] }) })).setup).toEqual(["npm install"]);
    const yarn1 = await detectIn({ "package.json": pkg({ workspaces: { packages: ["p/*"] } }), "yarn.lock": "" });
    expect(yarn1.setup.at(-1)).toBe("corepack yarn install --frozen-lockfile");
  });

  it("pnpm pinned in packageManager: corepack fetches that version, then a frozen install", async () => {
    const detected = await detectIn({
      "package.json": pkg({ ...deps, packageManager: "pnpm@8.15.9+sha512.abc" }),
      "pnpm-lock.yaml": "lockfileVersion: '9.0'\n",
    });
    expect(detected.setup).toEqual([corepack(""), "corepack pnpm install --frozen-lockfile"]);
    expect(detected.setupReasons).toEqual([
      "package.json packageManager pnpm@8.15.9+sha512.abc → corepack fetches pnpm 8.15.9",
      "pnpm-lock.yaml → pnpm install --frozen-lockfile",
    ]);
    expect(detected.test?.command).toBe("corepack pnpm test");
    expect(detected.lint?.command).toBe("corepack pnpm run lint");
  });

  it("pnpm without packageManager: the major matching the lockfile version", async () => {
    const major = async (lock: string) =>
      (await detectIn({ "package.json": pkg(deps), "pnpm-lock.yaml": lock })).setup[0];
    expect(await major("lockfileVersion: '6.0'\n")).toEqual(corepack(" -g pnpm@8"));
    expect(await major("lockfileVersion: 5.4\n")).toEqual(corepack(" -g pnpm@7"));
    expect(await major("lockfileVersion: 5.3\n")).toEqual(corepack(" -g pnpm@6"));
    expect(await major("lockfileVersion: '9.0'\n")).toEqual(corepack(" -g pnpm@9"));
    expect(await major("garbage\n")).toEqual(corepack(" -g pnpm@9"));
    const reasons = (await detectIn({ "package.json": pkg(deps), "pnpm-lock.yaml": "lockfileVersion: '6.1'\n" }))
      .setupReasons;
    expect(reasons[0]).toBe("pnpm-lock.yaml lockfileVersion 6.1, no packageManager → corepack fetches pnpm 8");
  });

  it("fetches a pinned manager for the test commands even when nothing is installed", async () => {
    const detected = await detectIn({ "package.json": pkg({ packageManager: "pnpm@9.1.0" }) });
    expect(detected.setup).toEqual([corepack("")]);
    expect(detected.setupReasons).toContain("package.json declares no dependencies or workspaces → no install");
  });

  it("packageManager wins over the lockfile; a pinned npm is the image's npm", async () => {
    const pnpm = await detectIn({ "package.json": pkg({ ...deps, packageManager: "pnpm@9.1.0" }), "yarn.lock": "" });
    expect(pnpm.test?.command).toBe("corepack pnpm test");
    expect(pnpm.setup[1]).toBe("corepack pnpm install");
    const npm = await detectIn({
      "package.json": pkg({ ...deps, packageManager: "npm@10.2.0" }),
      "package-lock.json": "{}",
    });
    expect(npm.setup).toEqual(["npm ci"]);
    expect(npm.setupReasons[0]).toMatch(/packageManager npm@10\.2\.0: the image's npm runs/);
  });

  it("yarn 1 without packageManager: corepack fetches yarn 1, frozen lockfile", async () => {
    const detected = await detectIn({ "package.json": pkg(deps), "yarn.lock": "# yarn lockfile v1\n" });
    expect(detected.setup).toEqual([corepack(" -g yarn@1"), "corepack yarn install --frozen-lockfile"]);
    expect(detected.setupReasons[0]).toBe("yarn.lock (yarn 1 format), no packageManager → corepack fetches yarn 1");
  });

  it("yarn 2+ from .yarnrc.yml or the lockfile's __metadata: immutable install from npm's registry", async () => {
    const lock = "__metadata:\n  version: 6\n  cacheKey: 8\n";
    const detected = await detectIn({ "package.json": pkg(deps), "yarn.lock": lock });
    expect(detected.setup).toEqual([corepack(" -g yarn@3"), `${YARN_REGISTRY}corepack yarn install --immutable`]);
    const rc = await detectIn({
      "package.json": pkg(deps),
      ".yarnrc.yml": "nodeLinker: node-modules\n",
      "yarn.lock": "",
    });
    expect(rc.setup[0]).toEqual(corepack(" -g yarn@4"));
  });

  it("yarn 2+ with a committed yarnPath runs that file and fetches nothing", async () => {
    const detected = await detectIn({
      "package.json": pkg({ ...deps, packageManager: "yarn@4.1.0" }),
      ".yarnrc.yml": "yarnPath: .yarn/releases/yarn-4.1.0.cjs\nnpmRegistryServer: 'https://npm.example.test'\n",
      "yarn.lock": "__metadata:\n  version: 8\n",
    });
    expect(detected.setup).toEqual(["node .yarn/releases/yarn-4.1.0.cjs install --immutable"]);
    expect(detected.test?.command).toBe("node .yarn/releases/yarn-4.1.0.cjs test");
    expect(detected.setupReasons[0]).toBe(
      ".yarnrc.yml yarnPath → node .yarn/releases/yarn-4.1.0.cjs (the committed yarn release)",
    );
  });

  it("yarn pinned in packageManager: corepack fetches it", async () => {
    const detected = await detectIn({
      "package.json": pkg({ ...deps, packageManager: "yarn@4.5.0" }),
      "yarn.lock": "",
    });
    expect(detected.setup).toEqual([corepack(""), `${YARN_REGISTRY}corepack yarn install --immutable`]);
  });
});

const MAKE_VENV = "python3 -m venv --system-site-packages .venv && echo '*' > .venv/.gitignore";

describe("Python setup", () => {
  it("requirements files: the plain, base, dev and test ones into .venv; tests run in it", async () => {
    const detected = await detectIn({
      "requirements.txt": "requests\n",
      "requirements-dev.txt": "pytest\n",
      "requirements-docs.txt": "sphinx\n",
      "requirements/test.txt": "pytest-cov\n",
      "requirements/prod.txt": "gunicorn\n",
      "tests/test_a.py": "def test_a():\n    assert 1\n",
    });
    expect(detected.setup).toEqual([
      MAKE_VENV,
      ".venv/bin/python -m pip install -r requirements.txt -r requirements-dev.txt -r requirements/test.txt",
    ]);
    expect(detected.setupReasons).toEqual([
      "requirements.txt, requirements-dev.txt, requirements/test.txt → pip install -r",
      "not installed (neither base, dev nor test): requirements-docs.txt, requirements/prod.txt",
      ".venv/ in the workspace (ignored by its own .gitignore; sees the image's pytest)",
    ]);
    expect(detected.test).toEqual({
      command: ".venv/bin/python -m pytest -q",
      source: "pytest (tests/)",
      withoutSetup: "python3 -m pytest -q",
    });
  });

  it("a pyproject.toml package: editable install with only the dev/test extras it declares", async () => {
    const detected = await detectIn({
      "pyproject.toml": [
        "[build-system]",
        'requires = ["hatchling"]',
        "[project]",
        'name = "x"',
        "dependencies = [",
        '  "requests>=2", # [not a table]',
        "]",
        "[project.optional-dependencies]",
        'docs = ["sphinx"]',
        'test = ["pytest"]',
        "dev = [",
        '  "ruff",',
        "]",
        "[tool.pytest.ini_options]",
        'addopts = "-q"',
      ].join("\n"),
    });
    expect(detected.setup).toEqual([MAKE_VENV, ".venv/bin/python -m pip install -e '.[dev,test]'"]);
    expect(detected.setupReasons[0]).toBe(
      "pyproject.toml [build-system] → the project installed editable with extras dev, test",
    );
    expect(detected.test?.command).toBe(".venv/bin/python -m pytest -q");
  });

  it("a pyproject.toml package without dev/test extras, and inline extras", async () => {
    const plain = await detectIn({
      "pyproject.toml": '[build-system]\nrequires = ["setuptools"]\n[project]\nname = "x"\n',
    });
    expect(plain.setup[1]).toBe(".venv/bin/python -m pip install -e .");
    const inline = await detectIn({
      "pyproject.toml":
        '[build-system]\n[project]\nname = "x"\noptional-dependencies = { testing = ["pytest"], docs = ["x"] }\n',
    });
    expect(inline.setup[1]).toBe(".venv/bin/python -m pip install -e '.[testing]'");
  });

  it("a [project] without [build-system]: its dependencies and dev/test dependency groups, not the project", async () => {
    const detected = await detectIn({
      "pyproject.toml": [
        "[project]",
        'name = "app"',
        'dependencies = ["httpx>=0.27", "pydantic"]',
        "[dependency-groups]",
        'lint = ["ruff"]',
        'test = ["pytest>=8", "pytest-asyncio"]',
        'dev = [{include-group = "test"}, "ipython"]',
      ].join("\n"),
      "uv.lock": "",
    });
    expect(detected.setup).toEqual([
      MAKE_VENV,
      ".venv/bin/python -m pip install 'httpx>=0.27' pydantic ipython 'pytest>=8' pytest-asyncio",
    ]);
    expect(detected.setupReasons).toEqual([
      "pyproject.toml [project] without [build-system] → its dependencies, the project not built",
      "pyproject.toml [dependency-groups] dev, test → their requirements",
      ".venv/ in the workspace (ignored by its own .gitignore; sees the image's pytest)",
    ]);
  });

  it("poetry: poetry from a tools venv installs into .venv, optional dev/test groups added", async () => {
    const detected = await detectIn({
      "pyproject.toml": [
        "[tool.poetry]",
        'name = "p"',
        "[tool.poetry.dependencies]",
        'python = "^3.11"',
        "[tool.poetry.group.dev.dependencies]",
        'black = "*"',
        "[tool.poetry.group.test]",
        "optional = true",
        "[tool.poetry.group.test.dependencies]",
        'pytest = "^8"',
        "[tool.poetry.group.docs]",
        "optional = true",
      ].join("\n"),
      "poetry.lock": "",
      "requirements.txt": "ignored\n",
    });
    expect(detected.setup).toEqual([
      'python3 -m venv "$HOME/.patchbay-tools/poetry" && "$HOME/.patchbay-tools/poetry"/bin/python -m pip install poetry',
      "python3 -m venv .venv && echo '*' > .venv/.gitignore",
      'POETRY_VIRTUALENVS_IN_PROJECT=true "$HOME/.patchbay-tools/poetry"/bin/poetry install --no-interaction --with test',
    ]);
    expect(detected.setupReasons[0]).toMatch(
      /^poetry\.lock → poetry install into \.venv\/ \(every non-optional group, and test\)/,
    );
    expect(detected.test?.command).toBe(".venv/bin/python -m pytest -q");
  });

  it("setup.py and setup.cfg projects: editable with their dev/test extras", async () => {
    const py = await detectIn({ "setup.py": 'setup(name="x", extras_require={"test": ["pytest"], "docs": []})\n' });
    expect(py.setup[1]).toBe(".venv/bin/python -m pip install -e '.[test]'");
    const cfg = await detectIn({
      "setup.cfg": "[metadata]\nname = x\n\n[options.extras_require]\ntesting =\n    pytest\ndocs = sphinx\n",
    });
    expect(cfg.setup[1]).toBe(".venv/bin/python -m pip install -e '.[testing]'");
    expect(cfg.setupReasons[0]).toBe("setup.cfg → the project installed editable with extras testing");
  });

  it("installs nothing for a plain repository or a pyproject.toml of tool settings; tests use python3", async () => {
    const plain = await detectIn({ "tests/test_a.py": "def test_a():\n    assert 1\n" });
    expect(plain.setup).toEqual([]);
    expect(plain.test).toEqual({ command: "python3 -m pytest -q", source: "pytest (tests/)" });
    const tools = await detectIn({ "pyproject.toml": "[tool.black]\nline-length = 100\n" });
    expect(tools.setup).toEqual([]);
    expect(tools.test?.command).toBe("python3 -m pytest -q");
  });

  it("runs make targets with the venv first on PATH", async () => {
    const detected = await detectIn({ Makefile: "test:\n\tpytest\n", "requirements.txt": "pytest\n" });
    expect(detected.test).toEqual({
      command: 'PATH="$PWD/.venv/bin:$PATH" make test',
      source: "Makefile target test",
      withoutSetup: "make test",
    });
  });

  it("installs Node and Python dependencies side by side", async () => {
    const detected = await detectIn({
      "package.json": pkg({ devDependencies: { prettier: "3" } }),
      "package-lock.json": "{}",
      "requirements.txt": "flask\n",
    });
    expect(detected.setup).toEqual(["npm ci", MAKE_VENV, ".venv/bin/python -m pip install -r requirements.txt"]);
    expect(detected.test?.command).toBe("npm test");
  });
});

describe("planChecks: setup from the JobSpec or .patchbay.yml", () => {
  it("keeps detected reasons for detected setup, names the setting otherwise, and drops the venv", async () => {
    const files = { "requirements.txt": "pytest\n", "tests/test_a.py": "def test_a():\n    assert 1\n" };
    const detected = await planChecks(await workspace(files), {});
    expect(detected.setup.source).toBe("detected");
    expect(detected.setup.reasons[0]).toBe("requirements.txt → pip install -r");
    expect(detected.commands[0]?.command).toBe(".venv/bin/python -m pytest -q");
    const configured = await planChecks(await workspace({ ...files, ".patchbay.yml": "setup: make deps\n" }), {});
    expect(configured.setup).toEqual({ commands: ["make deps"], source: "config", reasons: [".patchbay.yml setup"] });
    expect(configured.commands[0]?.command).toBe("python3 -m pytest -q");
    const fromJob = await planChecks(await workspace(files), { setup: [] });
    expect(fromJob.setup).toEqual({ commands: [], source: "job", reasons: ["the JobSpec's setup"] });
    expect(fromJob.commands[0]?.command).toBe("python3 -m pytest -q");
  });
});
