import { createHmac, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { expect } from "vitest";
import { api } from "./env-helpers.js";
import { rawFetch, type Stack } from "./stack.js";

const FIXTURES = path.join(import.meta.dirname, "fixtures/github");

/** A recorded GitHub webhook payload (`fixtures/github/<name>.json`) whose repository is `repoUrl`. */
export function githubFixture(name: string, repoUrl: string): Record<string, Record<string, unknown>> {
  const text = readFileSync(path.join(FIXTURES, `${name}.json`), "utf8");
  return JSON.parse(text.replaceAll("https://github.com/octo-org/shop.git", repoUrl));
}

/** Sends a webhook delivery to the stack's project as GitHub does (body signed with `secret`). */
export async function deliverGithubHook(
  stack: Stack,
  secret: string,
  event: string,
  payload: unknown,
  delivery: string = randomUUID(),
): Promise<{ status: number; body: { status: string; jobId?: string } }> {
  const body = JSON.stringify(payload);
  const res = await rawFetch(`${stack.api}/v1/hooks/github?project=${stack.projectId}`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-github-event": event,
      "x-github-delivery": delivery,
      "x-hub-signature-256": `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`,
    },
    body,
  });
  return { status: res.status, body: (await res.json()) as { status: string; jobId?: string } };
}

/** Gives the stack's project the webhook secret and the GitHub token the round trip uses. */
export async function putGithubSecrets(stack: Stack, hookSecret: string, token: string): Promise<void> {
  for (const [name, value] of [
    ["GITHUB_WEBHOOK_SECRET", hookSecret],
    ["GITHUB_TOKEN", token],
  ]) {
    expect((await api(stack, "PUT", `/v1/projects/${stack.projectId}/secrets/${name}`, { value })).status).toBe(200);
  }
}
