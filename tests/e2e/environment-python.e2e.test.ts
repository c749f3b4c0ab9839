import { rmSync } from "node:fs";
import type { ModelScript, PythonIndex } from "@patchbay/testkit";
import { startPythonIndex } from "@patchbay/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, commitAll, logText, networkEvents, runJob, say, shell, toolOutputs, writeTree } from "./env-helpers.js";
import { createKey, type Stack, startStack } from "./stack.js";

/** The index's name inside sandboxes; the worker's proxy maps it to the loopback index. */
const INDEX_HOST = "pypi.test";
const temps: string[] = [];

const SCRIPTS: Record<string, ModelScript> = {
  // Shows the package is installed in the agent's sandbox, then fixes the bug.
  "fix-width": {
    turns: [
      { output: [shell(`.venv/bin/python -c "import pbfmt, sys; print('pbfmt from', pbfmt.__file__)"`)] },
      { output: [shell("sed -i 's/pad(s, 2)/pad(s, 3)/' ids.py")] },
      { output: [say("Fixed the width.")] },
    ],
  },
  noop: { turns: [{ output: [say("Nothing to do.")] }] },
};

let stack: Stack;
let index: PythonIndex;

/**
 * A Python repository whose tests import `pbfmt` from the index. The index is named in
 * requirements.txt itself: pip reads `--index-url`/`--trusted-host` lines there, the one
 * repository-level place it takes them from (pip.conf is read from the user's, the site's or
 * $PIP_CONFIG_FILE, never from the working directory). An http index needs --trusted-host.
 */
function pythonRepo(): string {
  const dir = writeTree(temps, "patchbay-env-py-", {
    "requirements.txt": `--index-url http://${INDEX_HOST}/simple\n--trusted-host ${INDEX_HOST}\npbfmt==1.0.0\n`,
    "pytest.ini": "[pytest]\npythonpath = .\n",
    "ids.py": "from pbfmt import pad\n\n\ndef ident(s):\n    return pad(s, 2)\n",
    "tests/test_ids.py": "from ids import ident\n\n\ndef test_ids_are_three_wide():\n    assert ident('7') == '007'\n",
    ".gitignore": "__pycache__/\n",
  });
  return commitAll(dir);
}

const indexFetches = () =>
  index.requests.filter((r) => r.path.startsWith("/simple/pbfmt") || r.path.startsWith("/files/"));

beforeAll(async () => {
  index = await startPythonIndex({
    packages: [
      {
        name: "pbfmt",
        version: "1.0.0",
        modules: { "pbfmt/__init__.py": "def pad(s, n):\n    return str(s).rjust(n, '0')\n" },
      },
    ],
  });
  stack = await startStack(SCRIPTS, {
    PATCHBAY_EGRESS_HOST_MAP: JSON.stringify({ [INDEX_HOST]: `127.0.0.1:${index.port}` }),
    PATCHBAY_SANDBOX_POOL_SIZE: "0",
  });
}, 180_000);

afterAll(async () => {
  await stack?.close();
  await index?.close();
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});

describe("pip install through the egress proxy from a simple index on loopback", () => {
  let url: string;
  let key: string;

  it("detected setup makes .venv and installs requirements.txt through the proxy; baseline and after-checks see the package", async () => {
    url = pythonRepo();
    const { job, events } = await runJob(stack, {
      repo: { url },
      task: "Make ids three wide.",
      model: "script:fix-width",
      environment: { allow: [INDEX_HOST] },
    });
    expect(job.status, JSON.stringify(job.error)).toBe("succeeded");
    const result = job.result!;
    expect(result.setup?.source).toBe("detected");
    expect(result.setup?.commands.some((c) => c.startsWith("python3 -m venv"))).toBe(true);
    expect(result.setup?.commands).toContain(".venv/bin/python -m pip install -r requirements.txt");
    expect(result.environment).toMatchObject({ status: "built" });
    key = result.environment!.key;
    // The baseline ran the tests in .venv: they failed on the bug, not on a missing module.
    const before = result.checks.before[0]!;
    expect(before.command).toContain(".venv/bin/python -m pytest");
    expect(before.passed).toBe(false);
    expect(before.outputTail).toMatch(/assert '07' == '007'|AssertionError|assert/);
    expect(before.outputTail).not.toMatch(/ModuleNotFoundError|No module named/);
    expect(result.checks.after[0]?.passed).toBe(true);
    // Either clean sandbox: the baseline's when it was done before the agent, else a fresh one beside it.
    expect(["baseline_sandbox", "fresh_sandbox"]).toContain(result.afterChecksIn);
    // The agent's sandbox has the package installed in .venv.
    expect(toolOutputs(events)[0]).toMatch(/pbfmt from \/workspace\/\.venv\/lib\/python3[^/]*\/site-packages\/pbfmt/);
    // pip reached the index through the proxy, under the name the sandbox used.
    const network = networkEvents(events);
    expect(network.length).toBeGreaterThan(0);
    expect(network.every((n) => n.host === INDEX_HOST && n.allowed && n.phase === "setup")).toBe(true);
    expect(network.some((n) => n.method === "GET" && n.status === 200)).toBe(true);
    expect(indexFetches().some((r) => r.path.startsWith("/files/pbfmt-1.0.0"))).toBe(true);
  }, 420_000);

  it("a second job is a cache hit: no pip, no index request, the tests still import the package", async () => {
    const fetched = indexFetches().length;
    const { job, events } = await runJob(stack, {
      repo: { url },
      task: "Look around.",
      model: "script:noop",
      environment: { allow: [INDEX_HOST] },
    });
    expect(job.status, JSON.stringify(job.error)).toBe("succeeded");
    expect(job.result?.environment).toMatchObject({ status: "hit", key });
    expect(networkEvents(events)).toEqual([]);
    expect(indexFetches().length).toBe(fetched);
    expect(logText(events)).not.toMatch(/Successfully installed|Collecting pbfmt/);
    const before = job.result!.checks.before[0]!;
    expect(before.passed).toBe(false);
    expect(before.outputTail).not.toMatch(/ModuleNotFoundError|No module named/);
  }, 420_000);

  it("GET /environments lists the environment with its size and hits; DELETE makes the next job a miss", async () => {
    const path = `/v1/projects/${stack.projectId}/environments`;
    const listed = await api(stack, "GET", path);
    expect(listed.status).toBe(200);
    const data = (listed.body as { data: Array<{ key: string; sizeBytes: number; hits: number; repoUrl: string }> })
      .data;
    expect(data).toHaveLength(1);
    expect(data[0]).toMatchObject({ key, hits: 1 });
    expect(data[0]!.sizeBytes).toBeGreaterThan(0);

    // A jobs:read key may list but not delete.
    const reader = await createKey(stack.db, stack.projectId, ["jobs:read"]);
    expect((await api(stack, "GET", path, undefined, reader)).status).toBe(200);
    expect((await api(stack, "DELETE", `${path}/${key}`, undefined, reader)).status).toBe(403);

    expect((await api(stack, "DELETE", `${path}/${key}`)).status).toBe(204);
    expect((await api(stack, "GET", path)).body).toEqual({ data: [] });
    expect((await api(stack, "DELETE", `${path}/${key}`)).status).toBe(404);

    const fetched = indexFetches().length;
    const { job } = await runJob(stack, {
      repo: { url },
      task: "Look around.",
      model: "script:noop",
      environment: { allow: [INDEX_HOST] },
    });
    expect(job.status, JSON.stringify(job.error)).toBe("succeeded");
    expect(job.result?.environment).toMatchObject({ status: "built", key });
    expect(indexFetches().length).toBeGreaterThan(fetched);
    const again = (await api(stack, "GET", path)).body as { data: Array<{ key: string; hits: number }> };
    expect(again.data).toEqual([expect.objectContaining({ key, hits: 0 })]);
  }, 420_000);

  it("without the index on the allowlist, setup fails as environment_failed naming the host and the setting", async () => {
    const { job, events } = await runJob(stack, { repo: { url }, task: "Look around.", model: "script:noop" });
    expect(job.status).toBe("failed");
    expect(job.error?.code).toBe("environment_failed");
    expect(job.error?.message).toContain(INDEX_HOST);
    expect(job.error?.message).toContain("spec.environment.allow");
    const refused = networkEvents(events).filter((n) => !n.allowed);
    expect(refused.length).toBeGreaterThan(0);
    expect(refused.every((n) => n.host === INDEX_HOST && n.status === 403 && n.reason === "not_allowed")).toBe(true);
  }, 420_000);
});

describe("project environment settings API", () => {
  const route = () => `/v1/projects/${stack.projectId}/environment`;

  it("a bad host rule is a 400 naming it; a jobs:read key can read the settings but not change them", async () => {
    const bad = await api(stack, "PUT", route(), { allow: ["pypi.test", "https://files.example.org/simple"] });
    expect(bad.status).toBe(400);
    const message = (bad.body as { error: { code: string; message: string } }).error;
    expect(message.code).toBe("invalid_request");
    expect(message.message).toContain("allow.1");
    expect(message.message).toContain("https://files.example.org/simple");

    const good = await api(stack, "PUT", route(), { allow: ["*.example.org", "mirror.example.org:8443"] });
    expect(good.status).toBe(200);
    expect(good.body).toMatchObject({
      allow: ["*.example.org", "mirror.example.org:8443"],
      allowHostRegistries: true,
      agentNetwork: "off",
      cacheTtlHours: 12,
    });

    const reader = await createKey(stack.db, stack.projectId, ["jobs:read"]);
    const read = await api(stack, "GET", route(), undefined, reader);
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ allow: ["*.example.org", "mirror.example.org:8443"] });
    const denied = await api(stack, "PUT", route(), { allow: [] }, reader);
    expect(denied.status).toBe(403);
    expect((await api(stack, "GET", route())).body).toMatchObject({
      allow: ["*.example.org", "mirror.example.org:8443"],
    });
  });
});
