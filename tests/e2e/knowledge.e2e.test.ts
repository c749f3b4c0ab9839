import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { ProjectRepository } from "@patchbay/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createKey,
  fixtureRepo,
  removeProject,
  type Stack,
  startStack,
  streamEvents,
  submit,
  waitTerminal,
} from "./stack.js";

const RUNBOOK = [
  "# Runbook",
  "",
  "## Deploying",
  "Run `make deploy` from the release branch; the on-call engineer approves.",
  "",
  "## Rolling back",
  "Use `make rollback VERSION=<tag>`. Database migrations are not reverted automatically.",
].join("\n");

const searchCall = (query: string) => ({
  type: "function_call",
  call_id: "call_docs_1",
  name: "search_docs",
  arguments: JSON.stringify({ query, k: 3 }),
});
const say = (text: string) => ({ type: "message", role: "assistant", content: [{ type: "output_text", text }] });

let stack: Stack;
const repo = fixtureRepo();
// A second repository of the same project, with a document the first one does not have.
const second = fixtureRepo();
execFileSync("mkdir", ["-p", path.join(second.dir, "docs")]);
writeFileSync(path.join(second.dir, "docs/zeppelin.md"), "# Zeppelin\n\nThe zeppelin lands at dawn on pad 7.\n");
execFileSync("git", ["add", "-A"], { cwd: second.dir });
execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@localhost", "commit", "-qm", "zeppelin"], {
  cwd: second.dir,
});

beforeAll(async () => {
  stack = await startStack(
    {
      "docs-then-answer": {
        turns: [
          { output: [searchCall("how do we roll back a release")] },
          { output: [say("Roll back with `make rollback VERSION=<tag>` (ops/runbook.md:6-7); migrations stay.")] },
        ],
      },
      "search-zeppelin": {
        turns: [{ output: [searchCall("where does the zeppelin land")] }, { output: [say("See the docs.")] }],
      },
      // The agent's first command plants text in its checkout while the repository is indexed.
      "plant-first": {
        turns: [
          {
            output: [
              {
                type: "shell_call",
                action: { commands: ["echo 'The treasure is under pad 9.' | tee planted.md >> README.md"] },
              },
            ],
          },
          { output: [say("Planted.")] },
        ],
      },
      "ask-and-scribble": {
        turns: [
          { output: [searchCall("cart total shipping")] },
          {
            output: [
              { type: "shell_call", action: { commands: ["echo scribbled > README.md && git rm -q -f src/cart.js"] } },
            ],
          },
          { output: [say("Shipping is free from 50.00 (README.md).")] },
        ],
      },
    },
    // Hybrid search through the scripted server's stand-in /v1/embeddings.
    { PATCHBAY_EMBEDDINGS_MODEL: "text-embedding-3-small" },
  );
});

afterAll(async () => {
  await stack.close();
  repo.remove();
  second.remove();
});

const docsUrl = () => `${stack.api}/v1/projects/${stack.projectId}/docs`;
const post = (url: string, body: unknown, key?: string) =>
  fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body: JSON.stringify(body),
  });

describe("the knowledge base end to end", () => {
  it("upload → search → the agent's search_docs call → citations in the job result", async () => {
    const upload = await post(docsUrl(), { path: "ops/runbook.md", content: RUNBOOK });
    expect(upload.status).toBe(201);
    expect(await upload.json()).toMatchObject({ status: "created", embedded: 2, document: { version: 1, chunks: 2 } });

    const search = await post(`${stack.api}/v1/projects/${stack.projectId}/search`, { query: "roll back a release" });
    const found = (await search.json()) as {
      retrieval: string;
      hits: Array<{ path: string; startLine: number; text: string }>;
    };
    expect(found.retrieval).toBe("hybrid");
    expect(found.hits[0]).toMatchObject({ path: "ops/runbook.md", startLine: 6 });

    const { job } = await submit(stack.api, {
      repo: { url: repo.url },
      task: "How do we roll back?",
      model: "script:docs-then-answer",
    });
    const done = (await waitTerminal(stack.api, job.id)) as Awaited<ReturnType<typeof waitTerminal>> & {
      result: { citations?: Array<{ source: string; path: string; lines: Array<{ startLine: number }> }> };
    };
    expect(done.status).toBe("succeeded");
    expect(done.result.citations).toContainEqual(
      expect.objectContaining({
        source: "upload",
        path: "ops/runbook.md",
        lines: expect.arrayContaining([{ startLine: 6, endLine: 7 }]),
      }),
    );

    const events = await streamEvents(stack.api, job.id);
    const call = events.find((e) => e.type === "tool_call" && e.data.tool === "search_docs");
    expect(call?.data).toMatchObject({ input: expect.stringContaining("roll back") });
    const result = events.find((e) => e.type === "tool_result" && e.data.tool === "search_docs");
    expect(result?.data).toMatchObject({ ok: true, output: expect.stringContaining("ops/runbook.md:6-7 (upload)") });
    // The passages went back to the model as the function call's output.
    // (The worker's background embedding may have called /v1/embeddings since.)
    const lastTurn = stack.model.requests.filter((r) => r.path === "/v1/responses").at(-1);
    expect(JSON.stringify(lastTurn?.body)).toContain("make rollback VERSION=<tag>");

    // The job indexed the repository's own docs for the project.
    const repoDocs = (await (await fetch(`${docsUrl()}?source=repo`)).json()) as { data: Array<{ path: string }> };
    expect(repoDocs.data.map((d) => d.path)).toEqual(expect.arrayContaining(["README.md", "AGENTS.md", "src/cart.js"]));
  });

  it("re-uploading a changed document replaces its chunks; deleting removes it", async () => {
    const first = (await (
      await post(docsUrl(), { path: "guide.md", content: "# Guide\nUse the blue button." })
    ).json()) as {
      document: { id: string };
    };
    const same = await post(docsUrl(), { path: "guide.md", content: "# Guide\nUse the blue button." });
    expect(same.status).toBe(200);
    expect(await same.json()).toMatchObject({ status: "unchanged" });
    const changed = await fetch(`${docsUrl()}?path=guide.md`, {
      method: "POST",
      headers: { "content-type": "text/markdown" },
      body: "# Guide\nUse the green lever.",
    });
    expect(changed.status).toBe(201);
    expect(await changed.json()).toMatchObject({
      status: "updated",
      document: { id: first.document.id, version: 2, chunks: 1 },
    });
    const search = async (query: string) =>
      (
        (await (await post(`${stack.api}/v1/projects/${stack.projectId}/search`, { query, mode: "all" })).json()) as {
          hits: Array<{ path: string; text: string }>;
        }
      ).hits.filter((h) => h.path === "guide.md");
    // The old version's chunk is gone (vector search may still return the new one as "nearest").
    expect((await search("blue button")).map((h) => h.text).join()).not.toContain("blue button");
    expect((await search("green lever"))[0]?.text).toContain("green lever");

    expect((await fetch(`${docsUrl()}/${first.document.id}`, { method: "DELETE" })).status).toBe(204);
    expect((await fetch(`${docsUrl()}/${first.document.id}`)).status).toBe(404);
    expect(await search("green lever")).toEqual([]);
  });

  it("keeps projects apart, and a deleted project's documents are gone", async () => {
    const other = `e2e-kb-${Date.now().toString(36)}`;
    await new ProjectRepository(stack.db).ensure(other);
    const key = await createKey(stack.db, other);
    const url = `${stack.api}/v1/projects/${other}/docs`;
    expect((await post(url, { path: "secret.md", content: "# Secret\nThe vault code is 1234." }, key)).status).toBe(
      201,
    );
    // Neither project sees the other's documents.
    expect((await post(url, { path: "x.md", content: "x" })).status).toBe(404);
    const mine = await post(`${stack.api}/v1/projects/${stack.projectId}/search`, { query: "vault code" });
    expect(((await mine.json()) as { hits: Array<{ path: string }> }).hits.map((h) => h.path)).not.toContain(
      "secret.md",
    );

    await removeProject(stack.db, other);
    const rows = await stack.db.$queryRaw<Array<{ n: number }>>`
      SELECT (SELECT count(*) FROM knowledge_documents WHERE project_id = ${other})::int
           + (SELECT count(*) FROM knowledge_chunks WHERE project_id = ${other})::int AS n`;
    expect(rows[0]?.n).toBe(0);
  });

  it("keeps one index per repository of the project; a job searches the uploads and its own repository", async () => {
    const ask = async (url: string) => {
      const { job } = await submit(stack.api, {
        kind: "ask",
        repo: { url },
        task: "Where does the zeppelin land?",
        model: "script:search-zeppelin",
      });
      expect((await waitTerminal(stack.api, job.id)).status).toBe("succeeded");
      const events = await streamEvents(stack.api, job.id);
      const found = events.find((e) => e.type === "tool_result" && e.data.tool === "search_docs");
      return JSON.stringify(found?.data);
    };
    // The second repository's job finds its own document; then a job of the first repository
    // neither removes that repository's index nor sees its documents.
    expect(await ask(`${second.url}/`)).toMatch(/docs\/zeppelin\.md:\d+-\d+ \(repo\)/);
    expect(await ask(repo.url)).not.toContain("zeppelin.md");
    const listed = (await (await fetch(`${docsUrl()}?source=repo`)).json()) as {
      data: Array<{ path: string; repo: string }>;
    };
    const readmes = listed.data.filter((d) => d.path === "README.md").map((d) => d.repo);
    // Kept by the normalized URL: `<dir>/` and `<dir>` are one repository.
    expect(readmes.sort()).toEqual([repo.url, second.url].sort());
    expect(listed.data).toContainEqual(expect.objectContaining({ path: "docs/zeppelin.md", repo: second.url }));
    // Asked for the project as a whole, search covers every repository; it says nothing is waiting for embeddings.
    const all = (await (
      await post(`${stack.api}/v1/projects/${stack.projectId}/search`, { query: "zeppelin" })
    ).json()) as {
      hits: Array<{ path: string; repo: string | null }>;
      pendingEmbeddings: number;
    };
    expect(all.hits[0]).toMatchObject({ path: "docs/zeppelin.md", repo: second.url });
    expect(all.pendingEmbeddings).toBe(0);
  });

  it("indexes the commit as cloned, never the agent's edits, and the agent does not wait for the index", async () => {
    // Enough documents that indexing outlasts the agent's first turn.
    const planted = fixtureRepo();
    execFileSync("mkdir", ["-p", path.join(planted.dir, "handbook")]);
    for (let i = 0; i < 400; i++) {
      const text = `# Chapter ${i}\n\n${"Operations notes for the cart service, section ".repeat(40)}${i}.\n`;
      writeFileSync(path.join(planted.dir, `handbook/chapter-${i}.md`), text);
    }
    execFileSync("git", ["add", "-A"], { cwd: planted.dir });
    execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@localhost", "commit", "-qm", "handbook"], {
      cwd: planted.dir,
    });
    try {
      const { job } = await submit(stack.api, {
        repo: { url: planted.url },
        task: "Plant.",
        model: "script:plant-first",
      });
      expect((await waitTerminal(stack.api, job.id)).status).toBe("succeeded");
      const patch = await (await fetch(`${stack.api}/v1/jobs/${job.id}/patch`)).text();
      expect(patch).toContain("treasure");
      // The model answered, and its command ran, while the index was still being built.
      const events = await streamEvents(stack.api, job.id);
      const indexedAt = events.findIndex(
        (e) => e.type === "log" && /^indexed \d+ repository files/.test(String(e.data.text)),
      );
      const ranAt = events.findIndex((e) => e.type === "tool_result");
      expect(ranAt).toBeGreaterThan(-1);
      expect(indexedAt).toBeGreaterThan(ranAt);
      const listed = (await (await fetch(`${docsUrl()}?source=repo`)).json()) as {
        data: Array<{ path: string; repo: string }>;
      };
      const paths = listed.data.filter((d) => d.repo === planted.url).map((d) => d.path);
      expect(paths).toContain("README.md");
      expect(paths).not.toContain("planted.md");
      const found = await (
        await post(`${stack.api}/v1/projects/${stack.projectId}/search`, { query: "treasure pad 9" })
      ).json();
      expect(JSON.stringify(found)).not.toContain("treasure");
    } finally {
      planted.remove();
    }
  });

  it("an ask job answers with citations and leaves the repository untouched (no patch)", async () => {
    const before = execFileSync("git", ["rev-parse", "HEAD"], { cwd: repo.dir, encoding: "utf8" });
    const readme = readFileSync(path.join(repo.dir, "README.md"), "utf8");
    const { status, job } = await submit(stack.api, {
      kind: "ask",
      repo: { url: repo.url },
      task: "When is shipping free?",
      model: "script:ask-and-scribble",
    });
    expect(status).toBe(202);
    const done = (await waitTerminal(stack.api, job.id)) as Awaited<ReturnType<typeof waitTerminal>> & {
      result: { citations?: Array<{ path: string }> };
    };
    expect(done.status).toBe("succeeded");
    expect(done.result?.summary).toContain("Shipping is free");
    expect(done.result?.patchStats).toEqual({ files: 0, insertions: 0, deletions: 0 });
    expect(done.result?.citations?.length).toBeGreaterThan(0);
    expect((await fetch(`${stack.api}/v1/jobs/${job.id}/patch`)).status).toBe(409);
    // No checks ran: an ask job skips setup, baseline and after-checks.
    expect(done.result?.checks.before).toEqual([]);
    expect(execFileSync("git", ["rev-parse", "HEAD"], { cwd: repo.dir, encoding: "utf8" })).toBe(before);
    expect(execFileSync("git", ["status", "--porcelain"], { cwd: repo.dir, encoding: "utf8" })).toBe("");
    expect(readFileSync(path.join(repo.dir, "README.md"), "utf8")).toBe(readme);
  });
});
