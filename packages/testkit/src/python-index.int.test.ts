import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runChecked, runCommand } from "./child.js";
import { type PythonIndex, startPythonIndex } from "./python-index.js";

// pip must see only our index: no PIP_* variables, no config files (PIP_CONFIG_FILE=/dev/null
// turns all of them off), so find-links, extra indexes and constraints of this machine stay out.
function pipEnv(): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^PIP_/i.test(key)));
  return { ...env, PIP_CONFIG_FILE: "/dev/null", PIP_DISABLE_PIP_VERSION_CHECK: "1", PIP_NO_INPUT: "1" };
}

describe("startPythonIndex", () => {
  let index: PythonIndex;
  let work: string;
  let venv: string;

  beforeAll(async () => {
    index = await startPythonIndex({
      packages: [
        { name: "pb_leaf", version: "1.0.0", modules: { "pb_leaf/__init__.py": "VALUE = 40\n" } },
        {
          name: "PB.Top",
          version: "2.1",
          modules: { "pb_top/__init__.py": "from pb_leaf import VALUE\n\nANSWER = VALUE + 2\n" },
          dependencies: ["pb-leaf>=1.0"],
        },
      ],
    });
    work = await mkdtemp(join(tmpdir(), "pb-pip-"));
    venv = join(work, "venv");
    await runChecked("python3", ["-m", "venv", venv], { env: pipEnv(), timeoutMs: 120_000 });
  });

  afterAll(async () => {
    await index?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  const pip = (...args: string[]) =>
    runCommand(join(venv, "bin", "pip"), ["install", "--no-cache-dir", "--index-url", index.url, ...args], {
      env: pipEnv(),
      timeoutMs: 120_000,
    });

  it("serves wheels that a real pip install takes, dependencies included", async () => {
    const install = await pip("PB.Top");
    expect(install.code, install.stderr).toBe(0);
    expect(install.stdout).toMatch(/Successfully installed PB.Top-2.1 pb-leaf-1.0.0/);
    const run = await runCommand(join(venv, "bin", "python"), ["-c", "import pb_top; print(pb_top.ANSWER)"]);
    expect(run.stdout.trim()).toBe("42");
    const paths = index.requests.map((r) => `${r.status} ${r.path}`);
    expect(paths).toContain("200 /files/pb_top-2.1-py3-none-any.whl");
    expect(paths).toContain("200 /files/pb_leaf-1.0.0-py3-none-any.whl");
  });

  it("adds versions later, and pip picks the newest", async () => {
    index.add([{ name: "pb_leaf", version: "1.1.0", modules: { "pb_leaf/__init__.py": "VALUE = 41\n" } }]);
    const install = await pip("--upgrade", "pb-leaf");
    expect(install.code, install.stderr).toBe(0);
    const run = await runCommand(join(venv, "bin", "python"), ["-c", "import pb_leaf; print(pb_leaf.VALUE)"]);
    expect(run.stdout.trim()).toBe("41");
  });

  it("answers an unknown project with 404, so pip finds no distribution", async () => {
    const install = await pip("pb-nowhere");
    expect(install.code).not.toBe(0);
    expect(install.stderr).toMatch(/No matching distribution found for pb-nowhere/);
    expect(index.requests.some((r) => r.path === "/simple/pb-nowhere/" && r.status === 404)).toBe(true);
  });

  it("redirects other spellings of a name to the normalized page (PEP 503)", async () => {
    const res = await fetch(`${index.url}/PB_Top`, { redirect: "manual" });
    expect(res.status).toBe(301);
    expect(res.headers.get("location")).toBe("/simple/pb-top/");
    const page = await (await fetch(`${index.url}/pb-top/`)).text();
    expect(page).toMatch(/href="\.\.\/\.\.\/files\/pb_top-2\.1-py3-none-any\.whl#sha256=[0-9a-f]{64}"/);
  });
});
