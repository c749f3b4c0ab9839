import { type ChecksPlan, classifyTestChanges, type FileChange, setupResult } from "@patchbay/checks";
import { type JobResult, PatchbayError, type Workspace } from "@patchbay/core";
import { type CollectedPatch, type CollectOptions, collectPatch, type WorkspaceSnapshot } from "./finalize.js";

const DIR = ".git/patchbay";

/** What the agent did to the tests, and what protection undid. */
export interface TestProtection {
  /** Test files at the base commit the agent changed, deleted or renamed. */
  modified: string[];
  /** New test files the agent wrote (kept: adding tests is not tampering with them). */
  added: string[];
  /** With protection: the files put back as they were at the base commit (empty otherwise). */
  dropped: string[];
}

/**
 * Compares the agent's change with the test globs. With `protect`, puts the original test files
 * back in the workspace (restoring changed and deleted ones, removing the new side of renamed
 * ones), so the after-checks run the tests as they were and a patch collected afterwards leaves
 * them out.
 */
export async function protectTests(
  ws: Workspace,
  baseCommit: string,
  changes: readonly FileChange[],
  options: { globs: readonly string[]; protect: boolean },
): Promise<TestProtection> {
  const tests = classifyTestChanges(changes, options.globs);
  const outcome = { modified: tests.modified, added: tests.added, dropped: [] as string[] };
  if (!options.protect || tests.modified.length === 0) return outcome;
  // Whatever the agent left under these names (a FIFO would block the write) goes first.
  for (const name of ["restore", "remove"]) await ws.deleteFile(`${DIR}/${name}`);
  await ws.writeFile(`${DIR}/restore`, nulList(tests.restore));
  await ws.writeFile(`${DIR}/remove`, nulList(tests.remove));
  const result = await ws.exec(
    `set -e; export GIT_LITERAL_PATHSPECS=1
git checkout -q ${baseCommit} --pathspec-from-file=${DIR}/restore --pathspec-file-nul
xargs -0 -r rm -f -- < ${DIR}/remove`,
    { timeoutMs: 60_000 },
  );
  if (result.exitCode !== 0) {
    throw new PatchbayError(
      "sandbox_failed",
      `could not restore the original test files: ${result.stderr.slice(-500)}`,
    );
  }
  return { ...outcome, dropped: [...tests.restore, ...tests.remove] };
}

function nulList(paths: readonly string[]): Buffer {
  return Buffer.from(paths.map((p) => `${p}\0`).join(""), "utf8");
}

/** The agent's change as it will be stored, and what it did to the tests. */
export interface AgentChange {
  patch: CollectedPatch;
  tests: TestProtection;
}

/**
 * Collects the agent's change right after the agent (so nothing the after-checks write can end
 * up in it), applies test protection, and collects again when protection put files back.
 */
export async function collectAgentChange(
  ws: Workspace,
  baseCommit: string,
  snapshot: WorkspaceSnapshot | undefined,
  plan: { testGlobs: readonly string[]; protectTests: boolean },
  options: CollectOptions = {},
): Promise<AgentChange> {
  const first = await collectPatch(ws, baseCommit, snapshot, options);
  const tests = await protectTests(ws, baseCommit, first.changes, {
    globs: plan.testGlobs,
    protect: plan.protectTests,
  });
  const patch = tests.dropped.length > 0 ? await collectPatch(ws, baseCommit, snapshot, options) : first;
  return { patch, tests };
}

/** The result fields about setup and tests (empty before the plan exists). */
export function changeFields(plan: ChecksPlan | null, change: AgentChange | null): Partial<JobResult> {
  if (!plan) return {};
  return {
    setup: setupResult(plan.setup),
    protectTests: plan.protectTests,
    ...(change
      ? {
          testsModified: change.tests.modified,
          testsAdded: change.tests.added,
          ...(plan.protectTests ? { testsDropped: change.tests.dropped } : {}),
        }
      : {}),
  };
}

/** The note on the terminal status: whether checks pass (or none ran), and what a reviewer must look at. */
export function verdict(result: JobResult): string {
  const { passed } = result.checks;
  const notes = [passed === null ? "no checks ran" : passed ? "checks pass" : "checks do not pass"];
  const unavailable = unavailableChecks(result);
  if (unavailable.length > 0) notes.push(`unavailable: ${unavailable.join(", ")}`);
  if (result.checks.regressions.length > 0) notes.push(`regressions: ${result.checks.regressions.join(", ")}`);
  if (result.checks.newlyFailing?.length) notes.push(`newly failing tests: ${result.checks.newlyFailing.length}`);
  if (result.testsDropped?.length) notes.push(`changes to tests dropped: ${result.testsDropped.join(", ")}`);
  else if (result.testsModified?.length) notes.push(`tests modified: ${result.testsModified.join(", ")}`);
  if (result.push) notes.push(`pushed ${result.push.branch} at ${result.push.commit.slice(0, 12)}`);
  return `agent finished; ${notes.join("; ")}`;
}

/** "lint (sh: 1: eslint: not found)" for each kind whose command was not installed, baseline first. */
function unavailableChecks(result: JobResult): string[] {
  const seen = new Map<string, string>();
  for (const run of [...result.checks.before, ...result.checks.after]) {
    if (run.status === "unavailable" && !seen.has(run.kind))
      seen.set(run.kind, `${run.kind} (${run.reason ?? "not installed"})`);
  }
  return [...seen.values()];
}
