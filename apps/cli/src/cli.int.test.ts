import { execFile, execFileSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { startTestApi, type TestApi } from "@patchbay/api/testing";
import { loadConfig } from "@patchbay/config";
import { JobSpecSchema } from "@patchbay/core";
import { ApiKeyRepository, EnvironmentRepository, JobRepository } from "@patchbay/db";
import { createKnowledgeBase } from "@patchbay/knowledge";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const CLI = path.resolve(import.meta.dirname, "../bin/patchbay.mjs");
const projectId = `cli-${randomUUID().slice(0, 8)}`;
const knowledge = createKnowledgeBase(loadConfig(), { poolSize: 2 });
const dir = mkdtempSync(path.join(tmpdir(), "patchbay-cli-"));
let api: TestApi;
let key = "";
const ids = { old: randomUUID(), ask: randomUUID(), other: randomUUID() };

/** Runs the CLI as a user does (a child process configured by the environment); JSON stdout parsed. */
function cli(...args: string[]): Promise<{ code: number; out: unknown; stdout: string; stderr: string }> {
  return cliWithInput(undefined, ...args);
}

/** Runs the CLI with `input` piped to its stdin (as `patchbay … < file` does). */
function cliWithInput(
  input: string | undefined,
  ...args: string[]
): Promise<{ code: number; out: unknown; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const env = { ...process.env, PATCHBAY_URL: api.base, PATCHBAY_API_KEY: key };
    const child = execFile("node", [CLI, ...args], { cwd: dir, env }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === "number" ? err.code : 99) : 0;
      let out: unknown;
      try {
        out = JSON.parse(stdout);
      } catch {
        out = undefined;
      }
      resolve({ code, out, stdout, stderr });
    });
    if (input !== undefined) child.stdin?.end(input);
  });
}

beforeAll(async () => {
  api = await startTestApi({
    projectId,
    knowledge: knowledge.kb,
    // --upload jobs name this checkout (file://) as their origin.
    access: { allowFileRepos: true },
    prepare: async (db) => {
      key = (await new ApiKeyRepository(db).create({ projectId, scopes: ["admin"] })).key;
    },
  });
  const jobs = new JobRepository(api.db);
  const make = async (id: string, url: string, extra: Record<string, unknown> = {}) => {
    const spec = JobSpecSchema.parse({ repo: { url }, task: `task ${id}`, ...extra });
    await jobs.create({ id, spec, projectId });
  };
  await make(ids.old, "https://git.example.com/one.git");
  await api.db.job.update({ where: { id: ids.old }, data: { createdAt: new Date(Date.now() - 10 * 86_400_000) } });
  await make(ids.ask, "https://git.example.com/one.git", { kind: "ask" });
  await make(ids.other, "https://git.example.com/two.git");
});

afterAll(async () => {
  await api?.close();
  await knowledge.close();
  rmSync(dir, { recursive: true, force: true });
});

const listed = async (...args: string[]) => {
  const run = await cli("list", "--json", ...args);
  expect(run.code, run.stderr).toBe(0);
  const page = run.out as { data: Array<{ id: string }>; nextCursor: string | null };
  return { ids: page.data.map((j) => j.id).sort(), nextCursor: page.nextCursor };
};

describe("the CLI against a running API", () => {
  it("list filters by repository, kind and age, and --all follows every page", async () => {
    expect((await listed("--repo", "https://git.example.com/one.git")).ids).toEqual([ids.old, ids.ask].sort());
    expect((await listed("--kind", "ask")).ids).toEqual([ids.ask]);
    expect((await listed("--kind", "change")).ids).toEqual([ids.old, ids.other].sort());
    expect((await listed("--since", "2d")).ids).toEqual([ids.ask, ids.other].sort());
    const first = await listed("--limit", "1");
    expect(first.ids).toHaveLength(1);
    expect(first.nextCursor).not.toBeNull();
    expect(await listed("--all", "--limit", "1")).toEqual({ ids: Object.values(ids).sort(), nextCursor: null });
    expect((await cli("list", "--since", "someday")).code).toBe(3);
  });

  it("answers every list with {data, nextCursor}", async () => {
    for (const args of [["list"], ["schedules", "list"], ["docs", "list"], ["notifications", ids.old]]) {
      const run = await cli(...args, "--json");
      expect(run.code, `${args.join(" ")}: ${run.stderr}`).toBe(0);
      expect(Object.keys(run.out as object).sort(), args.join(" ")).toEqual(["data", "nextCursor"]);
    }
  });

  it("adds, lists, searches and removes documents of the key's project", async () => {
    writeFileSync(path.join(dir, "deploy.md"), "# Deploying\n\nRun the blue-green switch with `make flip`.\n");
    const added = await cli("docs", "add", "deploy.md", "--path", "runbooks/deploy.md");
    expect(added.code, added.stderr).toBe(0);
    expect(added.stdout).toMatch(/^created\s+runbooks\/deploy\.md/);
    const docs = (await cli("docs", "list", "--json")).out as { data: Array<{ path: string }> };
    expect(docs.data.map((d) => d.path)).toEqual(["runbooks/deploy.md"]);
    const found = await cli("search", "blue-green switch", "--json");
    expect((found.out as { data: Array<{ path: string }> }).data[0]?.path).toBe("runbooks/deploy.md");
    expect((await cli("search", "blue-green switch")).stdout).toContain("runbooks/deploy.md:1-3");
    expect((await cli("docs", "rm", "runbooks/deploy.md")).code).toBe(0);
    expect((await cli("docs", "list")).stdout.trim()).toBe("no documents");
    expect((await cli("docs", "rm", "nope.md")).code).toBe(3);
  });

  it("shows and changes the GitHub webhook settings", async () => {
    const set = await cli(
      "hooks",
      "settings",
      "--trigger-label",
      "fix-me",
      "--template",
      '{"model": "gpt-x"}',
      "--json",
    );
    expect(set.code, set.stderr).toBe(0);
    expect(set.out).toMatchObject({ triggerLabel: "fix-me", template: { model: "gpt-x" } });
    const label = await cli("hooks", "settings", "--trigger-label", "patchbay-fix", "--json");
    expect(label.out).toMatchObject({ triggerLabel: "patchbay-fix", template: { model: "gpt-x" } });
    expect((await cli("hooks", "settings")).stdout).toContain("trigger label: patchbay-fix");
    expect((await cli("hooks", "settings", "--template", "[1]")).code).toBe(3);
  });

  it("env: shows, widens and narrows the allowlist, sets settings from stdin, lists and removes cached environments", async () => {
    const p = ["--project", projectId, "--json"];
    expect((await cli("env", "show", ...p)).out).toMatchObject({ allow: [], agentNetwork: "off" });
    const widened = await cli("env", "allow", "Registry.Example.com", "*.pkg.example.org", ...p);
    expect(widened.code, widened.stderr).toBe(0);
    expect((widened.out as { allow: string[] }).allow).toEqual(["registry.example.com", "*.pkg.example.org"]);
    await cli("env", "deny", "registry.example.com", ...p);
    expect((await cli("env", "show", ...p)).out).toMatchObject({ allow: ["*.pkg.example.org"] });

    const settings = { allow: ["files.example.net"], agentNetwork: "allowlist", agentMethods: ["GET"] };
    const set = await cliWithInput(JSON.stringify(settings), "env", "set", ...p);
    expect(set.code, set.stderr).toBe(0);
    expect((await cli("env", "show", ...p)).out).toMatchObject(settings);
    const bad = await cliWithInput(JSON.stringify({ agentNetwork: "everywhere" }), "env", "set", ...p);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain("agentNetwork");

    const environments = new EnvironmentRepository(api.db);
    const cached = {
      image: "patchbay-env-cli:k",
      baseImage: "sha256:b",
      buildMs: 5,
      expiresAt: new Date(Date.now() + 3_600_000),
    };
    for (const k of ["key-one", "key-two"])
      await environments.save({
        ...cached,
        projectId,
        key: k,
        repoUrl: "https://git.example.com/one.git",
        sizeBytes: 3 * 1024 * 1024,
      });
    const listed = await cli("env", "list", "--project", projectId);
    expect(listed.stdout).toMatch(/key-one {2}3\.0 MB {2}hits 0 .* https:\/\/git\.example\.com\/one\.git/);
    expect((await cli("env", "rm", "key-one", ...p)).code).toBe(0);
    expect((await cli("env", "list", ...p)).out).toMatchObject({ data: [{ key: "key-two" }] });
    expect((await cli("env", "rm", "key-one", ...p)).code).toBe(3);
    expect((await cli("env", "rm", ...p)).code).toBe(0);
    expect((await cli("env", "list", ...p)).out).toEqual({ data: [] });
    expect((await cli("env", "frobnicate", ...p)).stderr).toContain("usage: patchbay env");
  });

  it("a retried submit --upload with one idempotency key is the same request: same source, same job", async () => {
    const repo = path.join(dir, "checkout");
    const git = (...args: string[]) =>
      execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@localhost", ...args], { cwd: repo });
    execFileSync("git", ["init", "-q", "-b", "main", repo]);
    writeFileSync(path.join(repo, "a.txt"), "one\n");
    git("add", "a.txt");
    git("commit", "-qm", "one");
    const submit = () =>
      new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
        const env = { ...process.env, PATCHBAY_URL: api.base, PATCHBAY_API_KEY: key };
        const args = ["submit", "--upload", "--task", "t", "--idempotency-key", "ci-run-7", "--json"];
        execFile("node", [CLI, ...args], { cwd: repo, env }, (err, stdout, stderr) =>
          resolve({ code: err ? Number(err.code) : 0, stdout, stderr }),
        );
      });
    const first = await submit();
    expect(first.code, first.stderr).toBe(0);
    const second = await submit();
    expect(second.code, second.stderr).toBe(0);
    const [a, b] = [first, second].map(
      (r) => JSON.parse(r.stdout) as { id: string; spec: { repo: { source: string } } },
    );
    expect(b?.id).toBe(a?.id);
    expect(b?.spec.repo.source).toBe(a?.spec.repo.source);
    expect(await api.db.source.count({ where: { projectId } })).toBe(1);
  });
});
