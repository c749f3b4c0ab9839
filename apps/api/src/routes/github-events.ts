import { z } from "zod";

/** Authors GitHub reports as having write access to the repository. */
export const WRITE_ASSOCIATIONS = ["OWNER", "MEMBER", "COLLABORATOR"] as const;
/** The comment prefix that asks for a job. */
export const COMMAND_PREFIX = "/patchbay";

/** What a delivery should become: a job's repository, task and metadata, or the reason it is ignored. */
export type GithubDecision =
  | {
      kind: "job";
      repo: { url: string; ref?: string; commit?: string };
      task: string;
      metadata: Record<string, unknown>;
      /** A failed workflow run's jobs list, to name the failed jobs in the task. */
      jobsUrl?: string;
      /** `/patchbay review` on a pull request: a review job of the pull ref against the default branch. */
      review?: { base: string; head: string };
    }
  | { kind: "ignored"; reason: string };

const Repository = z.object({
  full_name: z.string(),
  clone_url: z.string(),
  default_branch: z.string().optional(),
});
const Issue = z.object({
  number: z.number(),
  title: z.string(),
  body: z.string().nullable().optional(),
  html_url: z.string(),
  pull_request: z.object({}).passthrough().optional(),
});
const IssuesEvent = z.object({
  action: z.string(),
  label: z.object({ name: z.string() }).optional(),
  issue: Issue,
  repository: Repository,
});
const CommentEvent = z.object({
  action: z.string(),
  issue: Issue,
  comment: z.object({
    body: z.string(),
    html_url: z.string(),
    author_association: z.string(),
    user: z.object({ login: z.string() }),
  }),
  repository: Repository,
});
const WorkflowRunEvent = z.object({
  action: z.string(),
  workflow_run: z.object({
    id: z.number(),
    name: z.string().nullable().optional(),
    conclusion: z.string().nullable(),
    head_sha: z.string(),
    head_branch: z.string().nullable().optional(),
    html_url: z.string(),
    jobs_url: z.string().url().optional(),
    run_attempt: z.number().optional(),
  }),
  repository: Repository,
});

const ignored = (reason: string): GithubDecision => ({ kind: "ignored", reason });
const source = (event: string, repo: string, url: string) => ({ github: { event, repository: repo, url } });

function fromIssueLabelled(payload: unknown, triggerLabel: string): GithubDecision {
  const e = IssuesEvent.safeParse(payload);
  if (!e.success) return ignored("issues payload without issue, label or repository");
  if (e.data.action !== "labeled") return ignored(`issues action ${e.data.action} is not "labeled"`);
  if (e.data.label?.name !== triggerLabel)
    return ignored(`label ${e.data.label?.name} is not the trigger label ${triggerLabel}`);
  const { issue, repository } = e.data;
  return {
    kind: "job",
    repo: { url: repository.clone_url },
    task: `${issue.title}\n\n${issue.body ?? ""}`.trim(),
    metadata: source("issues", repository.full_name, issue.html_url),
  };
}

function fromComment(payload: unknown): GithubDecision {
  const e = CommentEvent.safeParse(payload);
  if (!e.success) return ignored("issue_comment payload without issue, comment or repository");
  const { action, issue, comment, repository } = e.data;
  if (action !== "created") return ignored(`issue_comment action ${action} is not "created"`);
  const body = comment.body.trim();
  if (!body.startsWith(COMMAND_PREFIX)) return ignored(`the comment does not start with ${COMMAND_PREFIX}`);
  if (!(WRITE_ASSOCIATIONS as readonly string[]).includes(comment.author_association)) {
    return ignored(
      `${comment.user.login} (${comment.author_association}) has no write access to ${repository.full_name}`,
    );
  }
  const ask = body.slice(COMMAND_PREFIX.length).trim();
  if (issue.pull_request && REVIEW_COMMAND.test(ask)) return reviewFromComment(e.data, ask);
  const where = issue.pull_request ? `pull request #${issue.number}` : `issue #${issue.number}`;
  const task = `${ask || `Resolve ${where}.`}\n\nContext, ${where}: ${issue.title}\n\n${issue.body ?? ""}`.trim();
  return {
    kind: "job",
    // A PR's head is fetched by its pull ref; an issue's job starts from the default branch.
    repo: { url: repository.clone_url, ...(issue.pull_request ? { ref: `refs/pull/${issue.number}/head` } : {}) },
    task,
    metadata: { ...source("issue_comment", repository.full_name, comment.html_url), requestedBy: comment.user.login },
  };
}

/** `/patchbay review [focus]` on a pull request. */
const REVIEW_COMMAND = /^review(\s|$)/i;

/**
 * A review job of the pull request's head (its pull ref) against the repository's default branch
 * (a comment's payload does not name the pull request's base); its findings go back as a PR review.
 */
function reviewFromComment(e: z.output<typeof CommentEvent>, ask: string): GithubDecision {
  const { issue, comment, repository } = e;
  const focus =
    ask.replace(REVIEW_COMMAND, "").trim() || "Find the bugs, regressions and risks this pull request introduces.";
  return {
    kind: "job",
    repo: { url: repository.clone_url },
    review: { base: repository.default_branch ?? "main", head: `refs/pull/${issue.number}/head` },
    task: `${focus}\n\nContext, pull request #${issue.number}: ${issue.title}\n\n${issue.body ?? ""}`.trim(),
    metadata: { ...source("issue_comment", repository.full_name, comment.html_url), requestedBy: comment.user.login },
  };
}

function fromWorkflowRun(payload: unknown): GithubDecision {
  const e = WorkflowRunEvent.safeParse(payload);
  if (!e.success) return ignored("workflow_run payload without workflow_run or repository");
  const { action, workflow_run: run, repository } = e.data;
  if (action !== "completed") return ignored(`workflow_run action ${action} is not "completed"`);
  if (run.conclusion !== "failure") return ignored(`workflow_run concluded ${run.conclusion}, not failure`);
  const name = run.name ?? `run ${run.id}`;
  const task =
    `The GitHub Actions workflow "${name}" failed on ${run.head_branch ?? "a branch"} at ${run.head_sha} (${run.html_url}). ` +
    "Make it pass: run the repository's tests and lint, find what fails, and fix the code (not the tests, unless they are wrong).";
  return {
    kind: "job",
    repo: { url: repository.clone_url, commit: run.head_sha },
    task,
    metadata: { ...source("workflow_run", repository.full_name, run.html_url), workflow: name, runId: run.id },
    ...(run.jobs_url ? { jobsUrl: run.jobs_url } : {}),
  };
}

/** Maps a GitHub delivery (event name + parsed payload) to a job, or says why it is ignored. */
export function decideGithubEvent(event: string, payload: unknown, triggerLabel: string): GithubDecision {
  switch (event) {
    case "issues":
      return fromIssueLabelled(payload, triggerLabel);
    case "issue_comment":
      return fromComment(payload);
    case "workflow_run":
      return fromWorkflowRun(payload);
    case "ping":
      return ignored("ping: the webhook is set up");
    default:
      return ignored(`event ${event || "(none)"} does not make jobs`);
  }
}
