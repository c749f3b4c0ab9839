import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { JobEvent, JobResult } from "@patchbay/core";
import { expect } from "vitest";
import { containersFor, containersGone, type Stack, streamEvents, submit, waitTerminal } from "./stack.js";

/** A finished job as GET /v1/jobs/:id returns it, with the whole result. */
export type FinishedJob = Awaited<ReturnType<typeof waitTerminal>> & { result: JobResult | null };

/** One `network` event's data. */
export interface NetworkEventData {
  phase: "setup" | "agent";
  host: string;
  port: number;
  method: string | null;
  status: number | null;
  allowed: boolean;
  reason?: string;
}

/** A scripted assistant message. */
export const say = (text: string) => ({
  type: "message",
  role: "assistant",
  content: [{ type: "output_text", text }],
});

/** A scripted shell call running `commands` in the agent's sandbox. */
export const shell = (...commands: string[]) => ({ type: "shell_call", action: { commands } });

/** Runs git with a fixed author in `cwd`. */
export function git(cwd: string, ...args: string[]): string {
  return execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@localhost", ...args], {
    cwd,
    encoding: "utf8",
  }).trim();
}

/** Writes `files` (relative path → content) into a new temp directory, recorded in `temps` for removal. */
export function writeTree(temps: string[], prefix: string, files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  temps.push(dir);
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), content);
  }
  return dir;
}

/** Commits everything in `dir` as a git repository; returns its file:// URL. */
export function commitAll(dir: string): string {
  if (!existsSync(path.join(dir, ".git"))) git(dir, "init", "-q", "-b", "main");
  git(dir, "add", "-A");
  git(dir, "commit", "-qm", "fixture");
  return `file://${dir}`;
}

/**
 * Submits a job, waits for its end, checks no container of it is left, and returns it with its
 * events.
 */
export async function runJob(
  stack: Stack,
  spec: Record<string, unknown>,
  timeoutMs = 400_000,
): Promise<{ job: FinishedJob; events: JobEvent[] }> {
  const { status, job } = await submit(stack.api, spec);
  expect(status, JSON.stringify(job)).toBe(202);
  const done = (await waitTerminal(stack.api, job.id, timeoutMs)) as FinishedJob;
  // A succeeded job's sandboxes go just after its status; any other end removes them before it.
  if (done.status === "succeeded") await containersGone(job.id);
  else expect(containersFor(job.id)).toEqual([]);
  expect(doorsLeft(stack, job.id)).toEqual([]);
  return { job: done, events: await streamEvents(stack.api, job.id) };
}

/** Egress door directories of a job still on the host (none once it ended). */
export function doorsLeft(stack: Stack, jobId: string): string[] {
  const root = path.join(stack.config.PATCHBAY_WORK_DIR, "egress");
  if (!existsSync(root)) return [];
  return readdirSync(root).filter((name) => name.startsWith(jobId.slice(0, 30)));
}

/** Everything the job's commands printed (log events), in order. */
export const logText = (events: JobEvent[]): string =>
  events
    .filter((e) => e.type === "log")
    .map((e) => (e.data as { text: string }).text)
    .join("");

/** The job's `network` events. */
export const networkEvents = (events: JobEvent[]): NetworkEventData[] =>
  events.filter((e) => e.type === "network").map((e) => e.data as NetworkEventData);

/** The output of each tool call the agent made, in order. */
export const toolOutputs = (events: JobEvent[]): string[] =>
  events.filter((e) => e.type === "tool_result").map((e) => (e.data as { output: string }).output);

/** A JSON request to the stack's API (with the stack's admin key unless `key` is given). */
export async function api(
  stack: Stack,
  method: string,
  route: string,
  body?: unknown,
  key?: string,
): Promise<{ status: number; body: unknown }> {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers["content-type"] = "application/json";
  if (key) headers.authorization = `Bearer ${key}`;
  const res = await fetch(`${stack.api}${route}`, {
    method,
    headers,
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, body: parsed };
}

/** Sets the stack's project environment settings (PUT /v1/projects/:id/environment). */
export async function setProjectEnvironment(stack: Stack, settings: Record<string, unknown>): Promise<void> {
  const res = await api(stack, "PUT", `/v1/projects/${stack.projectId}/environment`, settings);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
}

/**
 * A project depending on `registry`'s packages (pb-pad's padStart), with a package-lock.json made
 * by a real `npm install` against it and its URLs rewritten to `host`, the name sandboxes use
 * (the worker's PATCHBAY_EGRESS_HOST_MAP sends it to the registry). Its one test fails until ids
 * are three wide.
 */
export function lockedNpmRepo(
  temps: string[],
  registry: { url: string },
  host: string,
  deps: Record<string, string>,
): { url: string; dir: string } {
  const pkg = {
    name: "env-e2e",
    version: "1.0.0",
    private: true,
    scripts: { test: "node --test" },
    dependencies: deps,
  };
  const dir = writeTree(temps, "patchbay-env-e2e-", {
    "package.json": JSON.stringify(pkg, null, 2),
    ".gitignore": "node_modules/\n",
    "src/code.js": `const { padStart } = require("pb-pad");\nexports.id = (s) => padStart(s, 2);\n`,
    "test/code.test.js":
      `const test = require("node:test");\nconst assert = require("node:assert");\nconst { id } = require("../src/code.js");\n` +
      `test("ids are three wide", () => assert.strictEqual(id("7"), "007"));\n`,
    ".empty-npmrc": "",
  });
  const empty = path.join(dir, ".empty-npmrc");
  const args = ["install", "--registry", registry.url, "--userconfig", empty, "--globalconfig", empty];
  execFileSync("npm", [...args, "--no-audit", "--no-fund"], { cwd: dir, stdio: "ignore" });
  rmSync(empty);
  rmSync(path.join(dir, "node_modules"), { recursive: true, force: true });
  const lock = path.join(dir, "package-lock.json");
  writeFileSync(lock, readFileSync(lock, "utf8").replaceAll(registry.url.replace(/\/$/, ""), `http://${host}`));
  writeFileSync(path.join(dir, ".npmrc"), `registry=http://${host}/\n`);
  return { url: commitAll(dir), dir };
}
