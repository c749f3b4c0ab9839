import { type AgentRunOptions, conversationFromEvents } from "@patchbay/agent";
import { eventCandidate, type JobEvent, PatchbayError } from "@patchbay/core";
import type { JobEventRepository, JobRecord, JobRepository } from "@patchbay/db";
import type { Sandbox } from "@patchbay/sandbox";
import { type CollectedPatch, type CollectOptions, collectPatch, type WorkspaceSnapshot } from "./finalize.js";

type Conversation = NonNullable<AgentRunOptions["priorConversation"]>;

/** Threads longer than this are refused: each step carries every earlier conversation. */
const MAX_THREAD = 50;
// Inside .git, so that it is never part of a tree or a patch.
const PARENT_PATCH = ".git/patchbay-parent.patch";

export interface FollowUpDeps {
  jobs: Pick<JobRepository, "findById" | "getPatch" | "setStepPatch">;
  events: Pick<JobEventRepository, "listAfter">;
}

/** A follow-up's start: the parent's final tree committed in the sandbox, and the thread's conversation. */
export interface FollowUpStart {
  /** The commit holding the parent's final tree: the follow-up's own change is diffed against it. */
  commit: string;
  /** Every earlier job's task and conversation, oldest first, for `runAgent`'s `priorConversation`. */
  conversation: Conversation;
  /** Collects and stores the follow-up's own change (GET /v1/jobs/:id/patch?since=parent). */
  recordStepPatch(
    sandbox: Sandbox,
    snapshot: WorkspaceSnapshot | undefined,
    guard: (p: CollectedPatch) => CollectedPatch,
    options?: CollectOptions,
  ): Promise<void>;
}

/**
 * For a follow-up (a job with a parentId): applies the parent's patch (cumulative against the
 * thread's base commit, which the job checked out) in the sandbox and commits it, so that the
 * job's `patch` diffed against the base stays cumulative; and loads the thread's conversation.
 * Null for a job that follows nothing. Call after the environment is ready, before the baseline.
 */
export async function startFollowUp(
  job: JobRecord,
  deps: FollowUpDeps,
  sandbox: Sandbox,
): Promise<FollowUpStart | null> {
  if (!job.parentId) return null;
  const chain = await ancestors(job.parentId, deps.jobs);
  const parent = chain.at(-1)!;
  const patch = await deps.jobs.getPatch(parent.id);
  const commit = await commitParentTree(sandbox, patch, parent.id);
  const conversation: Conversation = [];
  for (const earlier of chain)
    conversation.push(...conversationFromEvents(earlier.spec.task, await chosenEvents(deps.events, earlier)));
  return {
    commit,
    conversation,
    async recordStepPatch(box, snapshot, guard, options) {
      const step = guard(await collectPatch(box, commit, snapshot, options));
      await deps.jobs.setStepPatch(job.id, step.patch);
    },
  };
}

/** A job's events; of a best-of-N job, only those of the attempt whose patch it holds. */
async function chosenEvents(events: FollowUpDeps["events"], job: JobRecord): Promise<JobEvent[]> {
  const all = await allEvents(events, job.id);
  const chosen = job.result?.bestOfN?.selected;
  if (chosen === undefined) return all;
  return all.filter((e) => {
    const n = eventCandidate(e);
    return n === undefined || n === chosen;
  });
}

/** The jobs from the thread's first one down to `parentId`. */
async function ancestors(parentId: string, jobs: FollowUpDeps["jobs"]): Promise<JobRecord[]> {
  const chain: JobRecord[] = [];
  for (let id: string | null | undefined = parentId; id; ) {
    const found = await jobs.findById(id);
    if (!found) throw new PatchbayError("invalid_request", `the job this one follows up (${id}) no longer exists`);
    chain.unshift(found);
    if (chain.length > MAX_THREAD)
      throw new PatchbayError("invalid_request", `a thread may have at most ${MAX_THREAD} jobs`);
    id = found.parentId;
  }
  return chain;
}

/** Applies the parent's patch and commits it; the new HEAD (the base itself when there is no patch). */
async function commitParentTree(sandbox: Sandbox, patch: string | null, parentId: string): Promise<string> {
  if (patch?.trim()) {
    await sandbox.writeFile(PARENT_PATCH, Buffer.from(patch));
    const applied = await sandbox.exec(
      `git update-index -q --refresh; git apply --index --binary ${PARENT_PATCH} && rm -f ${PARENT_PATCH} && git -c user.name=patchbay -c user.email=patchbay@localhost commit -q --no-verify --allow-empty -m "patchbay: job ${parentId}"`,
      { timeoutMs: 60_000 },
    );
    if (applied.exitCode !== 0) {
      throw new PatchbayError(
        "sandbox_failed",
        `the parent job's patch does not apply: ${applied.stderr.trim().slice(-500)}`,
      );
    }
  }
  const head = await sandbox.exec("git rev-parse HEAD", { timeoutMs: 30_000 });
  if (head.exitCode !== 0) throw new PatchbayError("sandbox_failed", "could not read the sandbox's HEAD");
  return head.stdout.trim();
}

async function allEvents(events: FollowUpDeps["events"], jobId: string): Promise<JobEvent[]> {
  const all: JobEvent[] = [];
  for (;;) {
    const page = await events.listAfter(jobId, all.at(-1)?.seq ?? 0, 500);
    all.push(...page);
    if (page.length < 500) return all;
  }
}
