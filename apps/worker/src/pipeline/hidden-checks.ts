import { Readable } from "node:stream";
import { judgeHidden, runHiddenTests } from "@patchbay/checks";
import type { EventSink, HiddenChecks, HiddenResult } from "@patchbay/core";
import type { Sandbox } from "@patchbay/sandbox";
import type { JobEnvironment } from "../environment/environment-phase.js";
import { applyPatch } from "./after-checks.js";
import type { JobSandboxes } from "./job-sandboxes.js";

/** What the hidden checks need; they run after the after-checks, before finalize. */
export interface HiddenChecksInput {
  hidden: HiddenChecks;
  env: JobEnvironment;
  boxes: JobSandboxes;
  /** The stored patch (what the after-checks judged), against the base commit. */
  patch: string;
  emit: EventSink;
  timeoutMs: number;
  signal: AbortSignal;
}

/**
 * Runs the job's hidden tests against exactly the stored patch: a fresh sandbox from the job's
 * environment, the patch, then the hidden test patch (the files it touches first reset to the
 * base commit, as SWE-bench does), then the test command. Nothing of the hidden spec reaches an
 * event before the one `hidden` event that ends this step. Failures of this step are recorded in
 * the result's `error`, never fail the job; an abort still ends it.
 */
export async function runHiddenChecks(input: HiddenChecksInput): Promise<HiddenResult> {
  const started = Date.now();
  let result: HiddenResult;
  try {
    result = await inSandbox(input);
  } catch (err) {
    if (input.signal.aborted) throw err;
    result = failed(input.hidden, err instanceof Error ? err.message : String(err), Date.now() - started);
  }
  input.emit({ type: "hidden", data: eventOf(result) });
  return result;
}

async function inSandbox(input: HiddenChecksInput): Promise<HiddenResult> {
  const { env, boxes } = input;
  // The after-checks' sandbox goes first (the agent's stays when it is the only one there is).
  await boxes.removeAll(env.sandbox);
  const sandbox = env.fresh ? await env.fresh() : env.sandbox;
  const ranIn = env.fresh ? "fresh_sandbox" : "agent_sandbox";
  try {
    if (env.fresh && input.patch.length > 0) await applyPatch(sandbox, input.patch);
    const started = Date.now();
    const patch = input.hidden.patch ?? "";
    const applied = patch.length > 0 ? await applyHiddenPatch(sandbox, patch) : null;
    if (applied) return { ...failed(input.hidden, applied, Date.now() - started), ranIn };
    const run = await runHiddenTests(sandbox, input.hidden, { timeoutMs: input.timeoutMs, signal: input.signal });
    return { ...run, ranIn };
  } finally {
    if (sandbox !== env.sandbox) await boxes.remove(sandbox).catch(() => undefined);
  }
}

/** Applies the hidden test patch; returns why it did not apply, or null. */
async function applyHiddenPatch(sandbox: Sandbox, patch: string): Promise<string | null> {
  const git = ["git", "--literal-pathspecs", "-c", "core.quotePath=false", "-C", sandbox.root];
  const none = () => Readable.from([]);
  try {
    const paths = patchPaths(patch);
    if (paths.length > 0) {
      const listed = await readAll(
        await sandbox.streamOut([...git, "ls-tree", "-r", "--name-only", "HEAD", "--", ...paths]),
      );
      const atBase = new Set(listed.split("\n").filter(Boolean));
      const reset = paths.filter((p) => atBase.has(p));
      const absent = paths.filter((p) => !atBase.has(p)).map((p) => `${sandbox.root}/${p}`);
      if (reset.length > 0) await sandbox.streamIn([...git, "checkout", "-q", "HEAD", "--", ...reset], none());
      if (absent.length > 0) await sandbox.streamIn(["rm", "-f", "--", ...absent], none());
    }
    await sandbox.streamIn([...git, "apply", "--whitespace=nowarn", "-"], Readable.from([patch]));
    return null;
  } catch (err) {
    return `the hidden test patch did not apply: ${err instanceof Error ? err.message : String(err)}`;
  }
}

/**
 * The repository paths a unified diff touches: both sides of each `---`/`+++` header pair and
 * of renames, without /dev/null. Paths that could leave the checkout are left out.
 */
export function patchPaths(patch: string): string[] {
  const lines = patch.split("\n");
  const found: string[] = [];
  lines.forEach((line, i) => {
    const next = lines[i + 1] ?? "";
    if (line.startsWith("--- ") && next.startsWith("+++ ")) found.push(headerPath(line), headerPath(next));
    const rename = /^rename (?:from|to) (.+)$/.exec(line);
    if (rename) found.push(rename[1]!);
  });
  return [...new Set(found.filter((p) => p !== "" && !p.startsWith("/") && !p.split("/").includes("..")))];
}

/** `--- a/x.py\t2024-…` → `x.py`; `/dev/null` → "". */
function headerPath(line: string): string {
  const raw = line.slice(4).replace(/\t.*$/, "").trim();
  if (raw === "/dev/null") return "";
  return raw.replace(/^[ab]\//, "");
}

async function readAll(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString("utf8");
}

/** A result for hidden tests that could not run: every named test missing. */
function failed(hidden: HiddenChecks, error: string, durationMs: number): HiddenResult {
  return { ...judgeHidden(hidden, { outcomes: undefined, exitCode: null, error }), exitCode: null, durationMs, error };
}

function eventOf(result: HiddenResult) {
  const count = (o: HiddenResult["failToPass"]) => ({ passed: o.passed.length, failed: o.failed.length });
  return {
    resolved: result.resolved,
    failToPass: count(result.failToPass),
    passToPass: count(result.passToPass),
    exitCode: result.exitCode,
    durationMs: result.durationMs,
    notPassing: result.tests
      .filter((t) => t.outcome !== "passed")
      .map((t) => t.name)
      .slice(0, 50),
    ...(result.error ? { error: result.error } : {}),
  };
}
