import { z } from "zod";
import { HiddenChecksSchema } from "./hidden-checks.js";
import { HostRuleSchema } from "./host-rule.js";
import { FREE_JSON_LIMITS, jsonDepth, unstorableStringPath } from "./json-hygiene.js";
import { classifyRepoUrl } from "./repo-url.js";

/** Most rollouts one best-of-N job may run. */
export const MAX_ATTEMPTS = 8;

/** Default coding model (Responses API). */
export const DEFAULT_MODEL = "gpt-5.3-codex";

const command = z.string().trim().min(1, "a command may not be empty").max(4000);

/** The body of `POST /v1/jobs`: what to change, where, and within which limits. */
export const JobSpecSchema = z
  .object({
    repo: z.object(
      {
        url: z
          .string({ error: "repo.url is required: a git URL the worker can clone (https, ssh or file)" })
          .min(1, "repo.url may not be empty")
          .max(2000)
          .refine((u) => classifyRepoUrl(u) !== null, {
            message:
              "repo.url must be an https:// URL (no password in it), an ssh:// or git@host:path URL, or a file:// URL or absolute path",
          }),
        // Never starts with "-": it is passed to git checkout/fetch, where it would be an option.
        ref: z
          .string()
          .min(1)
          .max(255)
          .regex(/^[A-Za-z0-9_][A-Za-z0-9._/+@-]*$/, "repo.ref must be a branch, tag or commit name")
          .optional(),
        commit: z
          .string()
          .regex(/^[0-9a-f]{7,64}$/i, "repo.commit must be a hex commit id")
          .optional(),
        /** An uploaded git bundle (`POST /v1/sources`) to clone instead of `url` (which stays the origin, e.g. for push). */
        source: z.string().uuid("repo.source must be the id returned by POST /v1/sources").optional(),
      },
      {
        error: (issue) =>
          issue.input === undefined
            ? "repo is required: {url, ref?, commit?}"
            : 'repo must be an object with url, e.g. {"url": "https://…"}',
      },
    ),
    /** "change" (default): the agent changes the repository; "ask": it answers from the code and docs, read-only (no patch); "review": it reviews `review`'s diff, read-only, and reports findings. */
    kind: z.enum(["change", "ask", "review"]).optional(),
    /** With kind "review": the change to review, from the merge base of `base` to `head` (refs or commits of repo.url). */
    review: z
      .object(
        {
          base: reviewRef("review.base"),
          head: reviewRef("review.head").default("HEAD"),
        },
        { error: 'review must be an object like {"base": "main", "head": "my-branch"}' },
      )
      .strict()
      .optional(),
    task: z
      .string({ error: "task is required: what the agent should do, in plain words" })
      .trim()
      .min(1, "task may not be empty")
      .max(32_000, "task is longer than 32000 characters"),
    model: z.string().min(1).max(200).default(DEFAULT_MODEL),
    /** Who works in the sandbox: "patchbay", Patchbay's own agent loop; "codex", OpenAI's Codex CLI (Responses API models). */
    // Parsed specs always carry it; optional in the type because jobs stored before it have none.
    engine: z.enum(["patchbay", "codex"]).default("patchbay").optional(),
    reasoningEffort: z.enum(["minimal", "low", "medium", "high", "xhigh"]).optional(),
    /** Best-of-N: this many agent rollouts from the same baseline in parallel sandboxes; the checks pick the winner. */
    attempts: z
      .number({ error: "attempts must be a whole number from 1 to 8" })
      .int("attempts must be a whole number from 1 to 8")
      .min(1, "attempts must be at least 1")
      .max(MAX_ATTEMPTS, `attempts may be at most ${MAX_ATTEMPTS}`)
      .optional(),
    setup: z.array(command).max(50).optional(),
    checks: z
      .object({
        test: command.optional(),
        lint: command.optional(),
        /** After-checks run against the original test files; changes to them are dropped from the patch. */
        protectTests: z.boolean().optional(),
        /** Tests the agent never sees, run after it finished; result.hidden says whether they pass. */
        hidden: HiddenChecksSchema.optional(),
        /**
         * "reuse" (default): a baseline an earlier job of the project ran on the same commit tree,
         * environment and check commands (within 24 h) stands for this job's; "run": always run it.
         */
        baseline: z.enum(["reuse", "run"], { error: 'checks.baseline must be "reuse" or "run"' }).optional(),
      })
      .strict()
      .optional(),
    limits: z
      .object({
        timeoutSec: z
          .number()
          .int()
          .min(10)
          .max(24 * 3600)
          .default(1800),
        maxTurns: z.number().int().min(1).max(1000).default(50),
        maxTokens: z.number().int().positive().optional(),
        maxCostUsd: z.number().positive().optional(),
      })
      .strict()
      .default({ timeoutSec: 1800, maxTurns: 50 }),
    /** Network for setup and the environment cache. */
    environment: z
      .object({
        /** Hosts setup may reach on top of the project's allowlist: exact names or `*.suffix`. */
        allow: z.array(HostRuleSchema).max(100).optional(),
        /** false: run setup even when a cached environment exists, and keep nothing. */
        cache: z.boolean().optional(),
      })
      .strict()
      .optional(),
    sandbox: z
      .object({
        image: z.string().min(1).max(300).optional(),
        cpus: z.number().positive().max(64).optional(),
        memoryMb: z.number().int().min(64).max(65536).optional(),
      })
      .strict()
      .optional(),
    output: z
      .object({
        branch: z
          .string()
          .min(1)
          .max(255)
          .regex(
            /^(?!-)(?!.*\.\.)(?!.*\/\/)[A-Za-z0-9._/-]+(?<![./])$/,
            "output.branch must be a valid git branch name",
          )
          .optional(),
        /** Replace an existing branch of that name (never done otherwise). */
        force: z.boolean().optional(),
        /** Open a pull request from the pushed branch (needs the project secret GITHUB_TOKEN). */
        pullRequest: z.boolean().optional(),
      })
      .strict()
      .refine((o) => !o.pullRequest || o.branch, {
        message: "output.pullRequest needs output.branch (the branch the pull request is opened from)",
        path: ["pullRequest"],
      })
      .optional(),
    /** On a terminal status the job is POSTed here, signed (`X-Patchbay-Signature`), retried with backoff. */
    notify: z
      .object({
        url: z
          .string()
          .max(2000)
          .url("notify.url must be an http(s) URL")
          .refine((u) => /^https?:\/\//i.test(u), "notify.url must be an http(s) URL"),
      })
      .strict()
      .optional(),
    metadata: z
      .record(z.string(), z.unknown())
      .refine((m) => jsonDepth(m) <= FREE_JSON_LIMITS.maxDepth, {
        message: `metadata may nest at most ${FREE_JSON_LIMITS.maxDepth} levels`,
        abort: true,
      })
      .refine((m) => JSON.stringify(m).length <= FREE_JSON_LIMITS.maxBytes, {
        message: `metadata may be at most ${FREE_JSON_LIMITS.maxBytes} characters of JSON`,
      })
      .optional(),
  })
  .strict()
  .superRefine((spec, ctx) => {
    for (const issue of reviewIssues(spec)) ctx.addIssue({ code: "custom", ...issue });
    for (const issue of engineIssues(spec)) ctx.addIssue({ code: "custom", ...issue });
    for (const issue of attemptsIssues(spec)) ctx.addIssue({ code: "custom", ...issue });
    const path = unstorableStringPath(spec);
    if (path)
      ctx.addIssue({ code: "custom", path: path.split("."), message: "contains a NUL character or broken UTF-16" });
  });

/** What the Codex engine cannot do: Chat Completions models, and review jobs (they need report_findings). */
function engineIssues(spec: { engine?: string | undefined; kind?: string | undefined; model: string }) {
  const issues: Array<{ path: string[]; message: string }> = [];
  if (spec.engine !== "codex") return issues;
  if (spec.model.startsWith("chat:"))
    issues.push({ path: ["model"], message: 'engine "codex" speaks only the Responses API: drop the chat: prefix' });
  if (spec.kind === "review")
    issues.push({
      path: ["engine"],
      message: 'a review job runs on engine "patchbay" (it reports through report_findings)',
    });
  return issues;
}

/** Best-of-N is for change jobs on Patchbay's own loop (its attempts are told apart per model request). */
function attemptsIssues(spec: {
  attempts?: number | undefined;
  kind?: string | undefined;
  engine?: string | undefined;
}) {
  const issues: Array<{ path: string[]; message: string }> = [];
  if ((spec.attempts ?? 1) <= 1) return issues;
  if (spec.kind === "ask" || spec.kind === "review")
    issues.push({
      path: ["attempts"],
      message: `attempts > 1 is for change jobs (checks pick the best patch); ${spec.kind === "ask" ? "an ask" : "a review"} job makes no patch: leave attempts out`,
    });
  if (spec.engine === "codex")
    issues.push({
      path: ["attempts"],
      message: 'attempts > 1 runs on engine "patchbay": leave engine out or attempts at 1',
    });
  return issues;
}

/** A branch, tag or commit name for a review (never an option to git: no leading "-"). */
function reviewRef(field: string) {
  return z
    .string({ error: `${field} is required: a branch, tag or commit of the repository` })
    .min(1, `${field} may not be empty`)
    .max(255)
    .regex(/^[A-Za-z0-9_][A-Za-z0-9._/+@-]*$/, `${field} must be a branch, tag or commit name`);
}

/** A review job names what to review in `review` and nowhere else. */
function reviewIssues(spec: { kind?: string | undefined; review?: unknown; repo: { ref?: string; commit?: string } }) {
  const issues: Array<{ path: string[]; message: string }> = [];
  if (spec.kind === "review" && !spec.review)
    issues.push({ path: ["review"], message: 'a review job needs review: {"base": "<ref>", "head"?: "<ref>"}' });
  if (spec.kind !== "review" && spec.review)
    issues.push({
      path: ["kind"],
      message: 'review is only for kind "review"; add "kind": "review" or leave review out',
    });
  if (spec.kind === "review" && (spec.repo.ref || spec.repo.commit))
    issues.push({
      path: ["repo"],
      message:
        "a review job checks out review.head: leave repo.ref and repo.commit out and name the commit in review.head",
    });
  return issues;
}

export type JobSpec = z.output<typeof JobSpecSchema>;
export type JobSpecInput = z.input<typeof JobSpecSchema>;
