import { resolve } from "node:path";
import { z } from "zod";
import { ModelPricesVar } from "./model-prices.js";

export { DEFAULT_MODEL_PRICES, type ModelPrice, ModelPriceSchema } from "./model-prices.js";

/**
 * The one schema for Patchbay's environment. Nothing else reads process.env: apps parse it once
 * at boot and pass what each part needs as constructor arguments.
 */
export const ConfigSchema = z.object({
  DATABASE_URL: z.string().url().default("postgresql://patchbay:patchbay@127.0.0.1:5432/patchbay"),
  REDIS_URL: z.string().url().default("redis://127.0.0.1:6379"),
  PATCHBAY_API_PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  PATCHBAY_API_HOST: z.string().default("127.0.0.1"),
  /** Where the CLI finds the API (default: the local API on PATCHBAY_API_PORT). */
  PATCHBAY_URL: z.string().url().optional(),
  /** The CLI's API key (`pb_<prefix>_<secret>`); `--api-key` overrides it. */
  PATCHBAY_API_KEY: z.string().optional(),
  /** Requests per minute per API key (a key may carry its own). */
  PATCHBAY_RATE_LIMIT_PER_MIN: z.coerce.number().int().min(1).default(600),
  /** Jobs of one project running at once (a project may carry its own). */
  PATCHBAY_PROJECT_MAX_RUNNING: z.coerce.number().int().min(1).default(4),
  /** Jobs of one project waiting in the queue; submits past it get 429 (a project may carry its own). */
  PATCHBAY_PROJECT_MAX_QUEUED: z.coerce.number().int().min(1).default(500),
  /** 32 bytes, base64 or hex (`openssl rand -base64 32`): encrypts project secrets at rest. */
  PATCHBAY_SECRETS_KEY: z.string().optional(),
  /** The key before a rotation: values sealed with it still open until `patchbay secrets rekey`. */
  PATCHBAY_SECRETS_KEY_PREVIOUS: z.string().optional(),
  /** Accept file:// URLs and host paths as repo.url (local use, the demo and tests only). */
  PATCHBAY_ALLOW_FILE_REPOS: z.stringbool().default(false),
  /** Accept repo.url hosts that are (or resolve to) loopback, link-local, private or unspecified addresses. */
  PATCHBAY_ALLOW_PRIVATE_REPOS: z.stringbool().default(false),
  /** Requests per minute per client address that carry no valid API key (401s, webhook deliveries). */
  PATCHBAY_UNAUTHENTICATED_RATE_LIMIT_PER_MIN: z.coerce.number().int().min(1).default(60),
  /**
   * This installation's id, on the `patchbay.installation` label of everything it starts on a
   * Docker engine; unset = a random id made on first start and kept in the database.
   */
  PATCHBAY_INSTALLATION_ID: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, "letters, digits, _ . - (at most 64, not starting with . _ -)")
    .optional(),
  /** GitHub's REST API (GitHub Enterprise: https://HOST/api/v3), for naming a failed run's jobs. */
  PATCHBAY_GITHUB_API_URL: z.string().url().default("https://api.github.com"),
  /** Days an uploaded source bundle is kept once no queued or running job or schedule names it. */
  PATCHBAY_SOURCE_RETENTION_DAYS: z.coerce.number().positive().default(7),
  /** Largest request header block the API accepts (bigger: 431). */
  PATCHBAY_MAX_HEADER_BYTES: z.coerce.number().int().min(1024).max(1_048_576).default(16_384),
  PATCHBAY_QUEUE: z.string().min(1).default("patchbay-jobs"),
  PATCHBAY_WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(2),
  PATCHBAY_WORKER_ID: z.string().optional(),
  /** BullMQ lock: a worker silent this long is presumed dead and its job is taken up again. */
  PATCHBAY_WORKER_LOCK_MS: z.coerce.number().int().min(1000).default(30_000),
  /** On SIGTERM, running jobs get this long to finish before they are handed back. */
  PATCHBAY_SHUTDOWN_GRACE_SEC: z.coerce.number().int().min(0).default(30),
  PATCHBAY_SANDBOX_IMAGE: z.string().default("patchbay/sandbox:1"),
  PATCHBAY_SANDBOX_CPUS: z.coerce.number().positive().default(1),
  /** Memory per sandbox; its tmpfs disks default to shares of it (workspace 1/2, /tmp and home 1/8 each). */
  PATCHBAY_SANDBOX_MEMORY_MB: z.coerce.number().int().min(64).default(4096),
  /** Started, idle sandbox containers the worker keeps ready (0 turns the warm pool off). */
  PATCHBAY_SANDBOX_POOL_SIZE: z.coerce.number().int().min(0).max(32).default(3),
  PATCHBAY_WORK_DIR: z.string().default("/tmp/patchbay-work"),
  /** Where the bring-up scripts keep state: logs, built binaries (scripts/lib/common.sh has the same default). */
  PATCHBAY_STATE_DIR: z.string().default(".patchbay"),
  /** The static egress bridge mounted into sandboxes (scripts/build-egress-bridge.sh); default <PATCHBAY_STATE_DIR>/bin/egress-bridge. */
  PATCHBAY_EGRESS_BRIDGE: z.string().optional(),
  /**
   * The static sandbox runner (scripts/build-sandbox-runner.sh): commands and file streams reach a
   * sandbox over a unix socket instead of the engine's attach stream; default
   * <PATCHBAY_STATE_DIR>/bin/sandbox-runner, `off` for the attach stream alone.
   */
  PATCHBAY_SANDBOX_RUNNER: z.string().optional(),
  /** The Codex CLI version (npm `@openai/codex`) jobs with `engine: "codex"` run. */
  PATCHBAY_CODEX_VERSION: z
    .string()
    .regex(/^[0-9]+\.[0-9]+\.[0-9]+(-[A-Za-z0-9.]+)?$/, "a version of @openai/codex, e.g. 0.171.0")
    .default("0.171.0"),
  /** Host folder of Codex CLI installs, one per version, mounted read-only into sandboxes; default <PATCHBAY_STATE_DIR>/codex. */
  PATCHBAY_CODEX_DIR: z.string().optional(),
  /** Setup reaches the network through the worker's allowlisting proxy; false: setup runs offline. */
  PATCHBAY_EGRESS: z.stringbool().default(true),
  /** Let the proxy reach loopback and private addresses (a registry on the LAN, tests); never needed for public registries. */
  PATCHBAY_EGRESS_ALLOW_PRIVATE: z.stringbool().default(false),
  /** JSON {"host": "address:port"}: the proxy dials these hosts at fixed addresses (an internal mirror, tests). */
  PATCHBAY_EGRESS_HOST_MAP: z
    .string()
    .transform((text, ctx) => {
      try {
        return z.record(z.string(), z.string()).parse(JSON.parse(text));
      } catch {
        ctx.addIssue({ code: "custom", message: 'must be JSON like {"registry.internal": "10.0.0.5:4873"}' });
        return z.NEVER;
      }
    })
    .optional(),
  /** Total size of cached environments (images) per installation; the least recently used go first. */
  PATCHBAY_ENV_CACHE_MAX_GB: z.coerce.number().positive().default(20),
  /** Total size of the projects' dependency caches on this worker's disk; the least recently used go first. */
  PATCHBAY_DEPENDENCY_CACHE_MAX_GB: z.coerce.number().positive().default(10),
  /** Cached environments a worker keeps restored in idle sandboxes for their next hit (0: none). */
  PATCHBAY_HOT_ENVIRONMENTS: z.coerce.number().int().min(0).max(16).default(2),
  PATCHBAY_COMMAND_TIMEOUT_SEC: z.coerce.number().int().positive().default(300),
  /** A best-of-N job's attempts (JobSpec attempts) whose sandboxes run at once. */
  PATCHBAY_MAX_PARALLEL_ATTEMPTS: z.coerce.number().int().min(1).max(8).default(4),
  /** The most memory (MiB) a JobSpec's sandbox.memoryMb may ask for; more is refused with 400. */
  PATCHBAY_SANDBOX_MAX_MEMORY_MB: z.coerce.number().int().min(64).default(8192),
  /** The most CPUs a JobSpec's sandbox.cpus may ask for; more is refused with 400. */
  PATCHBAY_SANDBOX_MAX_CPUS: z.coerce.number().positive().default(4),
  /** Largest patch a job stores; a bigger change fails the job as patch_too_large. */
  PATCHBAY_MAX_PATCH_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(20 * 1024 * 1024),
  /** Most files a job's checkout may have (counted before checkout); more fails as repo_too_large. */
  PATCHBAY_MAX_REPO_FILES: z.coerce.number().int().min(1).default(200_000),
  /** Most megabytes a job's checkout plus its git data may take; more fails as repo_too_large. */
  PATCHBAY_MAX_REPO_MB: z.coerce.number().int().min(1).default(2048),
  /** Keep git objects per remote on the worker (fetch only what is new); false: a fresh clone per job. */
  PATCHBAY_GIT_CACHE: z.stringbool().default(true),
  /** Where the git cache lives (default: `<PATCHBAY_WORK_DIR>/git-cache`). */
  PATCHBAY_GIT_CACHE_DIR: z.string().optional(),
  /** Most megabytes the git cache keeps; least recently used remotes are removed beyond it. */
  PATCHBAY_GIT_CACHE_MB: z.coerce.number().int().min(1).default(10_240),
  /** The sandbox's git history: "shallow" (the commit alone) or "full" (branches, tags, history). Reviews get full. */
  PATCHBAY_GIT_HISTORY: z.enum(["shallow", "full"]).default("shallow"),
  OPENAI_API_KEY: z.string().optional(),
  OPENAI_BASE_URL: z.string().url().optional(),
  PATCHBAY_MODEL_MAX_RETRIES: z.coerce.number().int().min(0).max(10).default(2),
  PATCHBAY_MODEL_TIMEOUT_SEC: z.coerce.number().int().positive().default(600),
  /** Which protocol model calls use; a job's model `chat:<name>` / `responses:<name>` overrides it. */
  PATCHBAY_MODEL_API: z.enum(["responses", "chat"]).default("responses"),
  /** Prices per model for maxCostUsd and the cost estimate (JSON; see model-prices.ts). */
  PATCHBAY_MODEL_PRICES: ModelPricesVar,
  /** Author and committer of the commits the worker pushes for `output.branch`. */
  PATCHBAY_GIT_AUTHOR_NAME: z.string().min(1).default("Patchbay"),
  PATCHBAY_GIT_AUTHOR_EMAIL: z.string().min(3).default("patchbay@localhost"),
  /** Search path for host commands the worker runs (git, tar); they get no other environment. */
  PATH: z.string().default("/usr/local/bin:/usr/bin:/bin"),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  /** Embeddings model for the knowledge base (e.g. text-embedding-3-small); unset = full-text search only. */
  PATCHBAY_EMBEDDINGS_MODEL: z.string().min(1).optional(),
  /** OpenAI-compatible endpoint for embeddings (`…/v1`); default OPENAI_BASE_URL. */
  PATCHBAY_EMBEDDINGS_BASE_URL: z.string().url().optional(),
  /** Key for the embeddings endpoint; default OPENAI_API_KEY. */
  PATCHBAY_EMBEDDINGS_API_KEY: z.string().optional(),
  /** Largest document the knowledge base accepts, in bytes. */
  PATCHBAY_KNOWLEDGE_MAX_DOC_BYTES: z.coerce.number().int().min(1024).default(1_048_576),
  /** Where chunk embeddings are stored and searched: beside the chunks in Postgres, or Milvus (needs MILVUS_ADDRESS). */
  PATCHBAY_VECTOR_STORE: z.enum(["postgres", "milvus"]).default("postgres"),
  /** Milvus gRPC address (host:19530); also turns on the Milvus contract tests. */
  MILVUS_ADDRESS: z.string().min(1).optional(),
});

/** The parsed environment; paths a container bind-mounts are absolute. */
export type Config = Omit<z.output<typeof ConfigSchema>, "PATCHBAY_EGRESS_BRIDGE" | "PATCHBAY_SANDBOX_RUNNER"> & {
  PATCHBAY_EGRESS_BRIDGE: string;
  /** An absolute path, or null when the runner is off. */
  PATCHBAY_SANDBOX_RUNNER: string | null;
};

/**
 * Parses the environment with `overrides` on top (tests use them for unique queue names and
 * endpoints); throws naming each bad variable.
 */
export function loadConfig(overrides: Record<string, string | undefined> = {}, env = process.env): Config {
  // Empty strings mean "unset" so that `FOO= cmd` falls back to the default.
  const merged = { ...env, ...overrides };
  const cleaned = Object.fromEntries(Object.entries(merged).filter(([, v]) => v !== undefined && v !== ""));
  const parsed = ConfigSchema.safeParse(cleaned);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
    throw new Error(`invalid configuration: ${problems}`);
  }
  const data = parsed.data;
  // Docker bind-mounts need absolute host paths; relative ones are taken from the working directory.
  const bridge = data.PATCHBAY_EGRESS_BRIDGE ?? `${data.PATCHBAY_STATE_DIR}/bin/egress-bridge`;
  const runner = data.PATCHBAY_SANDBOX_RUNNER ?? `${data.PATCHBAY_STATE_DIR}/bin/sandbox-runner`;
  return {
    ...data,
    PATCHBAY_EGRESS_BRIDGE: resolve(bridge),
    PATCHBAY_SANDBOX_RUNNER: runner === "off" ? null : resolve(runner),
  };
}
