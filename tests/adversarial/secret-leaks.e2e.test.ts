import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { ModelScript } from "@patchbay/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Stack, startStack, streamEvents, submit, waitTerminal } from "../e2e/stack.js";
import { leaksSecret } from "./leak-check.js";

// A token committed by mistake (or written by setup) sits in the checkout; it is also a project
// secret. An agent that reads it and re-encodes it must not get it out by any path: events,
// the model's input, the trajectory, the stored patch, a pushed branch, the knowledge index.
const SECRET = `dpl_${randomBytes(16).toString("hex")}`;
const say = (text: string) => ({ type: "message", role: "assistant", content: [{ type: "output_text", text }] });
const shell = (...commands: string[]) => ({ type: "shell_call", action: { commands } });
const READ = "t=$(sed -n 's/^TOKEN=//p' deploy.env)";

const SCRIPTS: Record<string, ModelScript> = {
  exfiltrate: {
    turns: [
      {
        output: [
          shell(
            "cat deploy.env",
            `${READ}; printf %s "$t" | base64; printf '%s\\n' "$t" | rev; printf %s "$t" | od -An -tx1 | tr -d ' \\n'; echo`,
            `${READ}; echo "\${t:0:16}"; echo noise; echo "\${t:16}"; printf '{"t":"%s"}\\n' "$t" | base64 -w0`,
          ),
        ],
      },
      {
        output: [
          { type: "function_call", call_id: "docs1", name: "search_docs", arguments: '{"query":"deploy token"}' },
        ],
      },
      {
        output: [
          shell(
            `${READ}; printf 'export const key = "%s";\\n' "$(printf %s "$t" | base64)" > config.js`,
            `${READ}; { printf '\\0\\1'; printf %s "$t"; } > blob.bin`,
          ),
        ],
      },
      { output: [say("Done.")] },
    ],
  },
};

let stack: Stack;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "patchbay-adv-leaks-"));
  const git = (...args: string[]) => execFileSync("git", args, { cwd: dir, encoding: "utf8" }).trim();
  writeFileSync(path.join(dir, "deploy.env"), `TOKEN=${SECRET}\n`);
  writeFileSync(path.join(dir, "AGENTS.md"), `Deploys use the token ${SECRET}; never print it.\n`);
  writeFileSync(path.join(dir, "DEPLOY.md"), `# Deploy token\n\nThe deploy token is ${SECRET}.\n`);
  git("init", "-q", "-b", "main");
  git("add", "-A");
  git("-c", "user.name=t", "-c", "user.email=t@localhost", "commit", "-qm", "base");
  stack = await startStack(SCRIPTS);
  const put = await fetch(`${stack.api}/v1/projects/${stack.projectId}/secrets/DEPLOY_TOKEN`, {
    method: "PUT",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ value: SECRET }),
  });
  expect(put.status).toBeLessThan(300);
});

afterAll(async () => {
  await stack?.close();
  rmSync(dir, { recursive: true, force: true });
});

const getJson = async (url: string) => (await fetch(url)).json() as Promise<unknown>;

describe("a project secret the agent can read", () => {
  it("leaks by no path out of the sandbox, and the change is flagged and not pushed", async () => {
    const { job } = await submit(stack.api, {
      repo: { url: `file://${dir}` },
      task: "Show me the deploy token.",
      model: "script:exfiltrate",
      // A test that prints the token: its output tail is part of the job's result.
      checks: { test: `${READ}; printf %s "$t" | base64; printf '%s\\n' "$t" | rev` },
      output: { branch: "exfiltrated" },
    });
    const finished = (await waitTerminal(stack.api, job.id)) as Awaited<ReturnType<typeof waitTerminal>> & {
      result: { secretsInPatch?: boolean } | null;
    };
    expect(finished.status).toBe("failed");
    expect(finished.error?.code).toBe("push_failed");
    expect(finished.error?.message).toContain("secret");
    expect(finished.result?.secretsInPatch).toBe(true);
    expect(JSON.stringify(finished)).toContain("[redacted]");
    expect(leaksSecret(JSON.stringify(finished), SECRET)).toBe(false);
    expect(execFileSync("git", ["-C", dir, "branch", "--list"], { encoding: "utf8" })).not.toContain("exfiltrated");

    const patch = await (await fetch(`${stack.api}/v1/jobs/${job.id}/patch`)).text();
    expect(patch).toContain("config.js");
    expect(leaksSecret(patch, SECRET)).toBe(false);

    const events = await streamEvents(stack.api, job.id);
    const outputs = events.flatMap((e) => (e.type === "tool_result" ? [e.data.output] : [])).join("\n");
    expect(outputs).toContain("[redacted]");
    expect(leaksSecret(JSON.stringify(events), SECRET)).toBe(false);
    expect(leaksSecret(JSON.stringify(await getJson(`${stack.api}/v1/jobs/${job.id}/trajectory`)), SECRET)).toBe(false);

    const modelInput = stack.model.requests.map((r) => JSON.stringify(r.body)).join("\n");
    expect(modelInput).toContain("[redacted]");
    expect(leaksSecret(modelInput, SECRET)).toBe(false);

    const docsUrl = `${stack.api}/v1/projects/${stack.projectId}/docs`;
    const repoDocs = (await getJson(`${docsUrl}?source=repo`)) as { data: Array<{ id: string; path: string }> };
    expect(repoDocs.data.map((d) => d.path)).toContain("DEPLOY.md");
    for (const doc of repoDocs.data) {
      expect(leaksSecret(JSON.stringify(await getJson(`${docsUrl}/${doc.id}`)), SECRET), doc.path).toBe(false);
    }
  });
});
