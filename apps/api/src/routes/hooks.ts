import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import { JobSpecSchema, PatchbayError } from "@patchbay/core";
import { type GithubHookRepository, PROJECT_ID_PATTERN, type SecretRepository, type SeenDelivery } from "@patchbay/db";
import express, { type Request, type RequestHandler, Router } from "express";
import type { Logger } from "pino";
import { z } from "zod";
import { authOf, requireScope } from "../auth/index.js";
import { invalidRequest } from "../http-errors.js";
import type { JobService } from "../job-service.js";
import { decideGithubEvent, type GithubDecision } from "./github-events.js";
import { describeFailedJobs, fetchFailedJobs, GITHUB_TOKEN_SECRET } from "./github-failed-jobs.js";

/** The project secret GitHub signs deliveries with (the webhook's "Secret"). */
export const GITHUB_WEBHOOK_SECRET = "GITHUB_WEBHOOK_SECRET";
const MAX_PAYLOAD_BYTES = 5 * 1024 * 1024;
/** How long a delivered body is remembered: the same signed body again within it makes no job. */
export const REPLAY_WINDOW_MS = 24 * 3600_000;

/** Whether `header` is `sha256=<hex>` of the body under the secret (constant-time comparison). */
export function validGithubSignature(secret: string, body: Buffer, header: string | undefined): boolean {
  if (!header?.startsWith("sha256=")) return false;
  const expected = createHmac("sha256", secret).update(body).digest();
  const given = Buffer.from(header.slice(7), "hex");
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export interface GithubHookDeps {
  hooks: GithubHookRepository;
  secrets: SecretRepository;
  service: JobService;
  logger: Logger;
  /** Where GitHub's REST API is (PATCHBAY_GITHUB_API_URL); the project's token goes nowhere else. */
  githubApiUrl: string;
  /** How long a body is remembered for replay detection. @defaultValue REPLAY_WINDOW_MS */
  replayWindowMs?: number;
}

const unauthorized = () =>
  new PatchbayError("unauthorized", "bad or missing X-Hub-Signature-256 (or no webhook secret set for the project)");

async function authenticateDelivery(
  req: Request,
  deps: GithubHookDeps,
): Promise<{ projectId: string; body: Buffer; secrets: Record<string, string> }> {
  const projectId = typeof req.query.project === "string" ? req.query.project : "";
  if (!PROJECT_ID_PATTERN.test(projectId))
    throw new PatchbayError("invalid_request", "?project=<project id> is required");
  const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
  const secrets = await deps.secrets.values(projectId).catch(() => ({}) as Record<string, string>);
  const secret = secrets[GITHUB_WEBHOOK_SECRET];
  // An unknown project, a project without a secret and a bad signature answer alike.
  if (!secret || !validGithubSignature(secret, body, req.get("x-hub-signature-256"))) throw unauthorized();
  return { projectId, body, secrets };
}

/** A failed run's task names its failed jobs when the project has a GitHub token to look them up. */
async function withFailedJobs(
  decision: Extract<GithubDecision, { kind: "job" }>,
  token: string | undefined,
  apiUrl: string,
): Promise<{ task: string; metadata: Record<string, unknown> }> {
  const { task, metadata, jobsUrl } = decision;
  if (!jobsUrl) return { task, metadata };
  const found = token ? await fetchFailedJobs(jobsUrl, token, apiUrl) : null;
  const failedJobs = found && "jobs" in found ? { failedJobs: found.jobs } : {};
  return { task: `${task}\n\n${describeFailedJobs(found)}`, metadata: { ...metadata, ...failedJobs } };
}

/** Turns an authenticated delivery into a job (or an ignore reason); returns the response body. */
async function handleDelivery(
  projectId: string,
  event: string,
  deliveryId: string,
  payload: unknown,
  deps: GithubHookDeps,
  secrets: Record<string, string>,
) {
  const settings = await deps.hooks.settings(projectId);
  const decision = decideGithubEvent(event, payload, settings.triggerLabel);
  if (decision.kind === "ignored") return { status: "ignored", reason: decision.reason };
  const { task, metadata } = await withFailedJobs(decision, secrets[GITHUB_TOKEN_SECRET], deps.githubApiUrl);
  const template = settings.template as { metadata?: Record<string, unknown> };
  const parsed = JobSpecSchema.safeParse({
    ...template,
    repo: decision.repo,
    ...(decision.review ? { kind: "review", review: decision.review } : {}),
    task,
    metadata: { ...template.metadata, ...metadata, delivery: deliveryId },
  });
  if (!parsed.success)
    throw invalidRequest("job spec from the webhook (check the hook settings' template)", parsed.error);
  const { job } = await deps.service.submit(parsed.data, `github:${deliveryId}`, projectId);
  return { status: "created", jobId: job.id };
}

function parsePayload(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString("utf8"));
  } catch {
    throw new PatchbayError(
      "invalid_request",
      "the payload must be JSON (set the webhook's content type to application/json)",
    );
  }
}

/** The answer to a delivery seen before: its id again (GitHub's redelivery), or its body under a new id (a replay). */
function duplicateAnswer(
  seen: SeenDelivery,
  delivery: { projectId: string; event: string; deliveryId: string },
  logger: Logger,
) {
  if (seen.sameBody) {
    logger.warn({ ...delivery, previous: seen.deliveryId }, "a github delivery's body was replayed under a new id");
  }
  const reason = seen.sameBody
    ? `the same body was delivered before as delivery ${seen.deliveryId} (a replay)`
    : `delivery ${delivery.deliveryId} was handled before`;
  return { status: "duplicate", reason, previous: seen.outcome };
}

/**
 * `POST /v1/hooks/github?project=<id>`: GitHub webhook intake, authenticated by the delivery's
 * HMAC (no API key), each `X-GitHub-Delivery` and each body (within REPLAY_WINDOW_MS) acted on once.
 */
export function githubHookHandler(deps: GithubHookDeps): RequestHandler[] {
  const raw = express.raw({ type: () => true, limit: MAX_PAYLOAD_BYTES });
  const handler: RequestHandler = async (req, res) => {
    const { projectId, body, secrets } = await authenticateDelivery(req, deps);
    const event = req.get("x-github-event") ?? "";
    const deliveryId = req.get("x-github-delivery") ?? "";
    if (!/^[A-Za-z0-9-]{1,100}$/.test(deliveryId))
      throw new PatchbayError("invalid_request", "X-GitHub-Delivery is required");
    const payload = parsePayload(body);
    // A signature proves who made a body, not when: a captured body resent under a new delivery
    // id is caught by its digest.
    const sha256 = createHash("sha256").update(body).digest("hex");
    const windowMs = deps.replayWindowMs ?? REPLAY_WINDOW_MS;
    const processing = { status: "processing" };
    const seen = await deps.hooks.firstDelivery(projectId, deliveryId, event, processing, { sha256, windowMs });
    if (seen !== null) {
      res.status(200).json(duplicateAnswer(seen, { projectId, event, deliveryId }, deps.logger));
      return;
    }
    try {
      const outcome = await handleDelivery(projectId, event, deliveryId, payload, deps, secrets);
      await deps.hooks.setOutcome(projectId, deliveryId, outcome);
      deps.logger.info({ projectId, event, deliveryId, ...outcome }, "github delivery");
      res.status(202).json({ event, delivery: deliveryId, ...outcome });
    } catch (err) {
      // Not acted on: forget it so GitHub's redelivery can try again.
      await deps.hooks.forget(projectId, deliveryId);
      throw err;
    }
  };
  return [raw, handler];
}

const Settings = z
  .object({
    triggerLabel: z.string().trim().min(1).max(100).default("patchbay"),
    template: z.record(z.string(), z.unknown()).default({}),
  })
  .strict();

/** `/v1/hooks/github/settings` (admin): the project's trigger label and job template. */
export function githubSettingsRouter(hooks: GithubHookRepository): Router {
  const router = Router();
  router.use(requireScope("admin"));
  router.get("/github/settings", async (req, res) => {
    res.json(await hooks.settings(authOf(req).projectId));
  });
  router.put("/github/settings", async (req, res) => {
    const parsed = Settings.safeParse(req.body ?? {});
    if (!parsed.success) throw invalidRequest("hook settings", parsed.error);
    // The template must make a valid JobSpec once a delivery fills in repo and task.
    const probe = JobSpecSchema.safeParse({
      ...parsed.data.template,
      repo: { url: "https://example.com/r.git" },
      task: "x",
    });
    if (!probe.success) throw invalidRequest("hook settings' template", probe.error);
    res.json(await hooks.put({ projectId: authOf(req).projectId, ...parsed.data }));
  });
  return router;
}
