/** What the pipeline needs from the worker's configuration. */
export interface PipelineSettings {
  workerId: string;
  /** Host folder for clones. */
  workDir: string;
  hostPath: string;
  /** PATCHBAY_ALLOW_PRIVATE_REPOS: clone from hosts on loopback, link-local or private networks. @defaultValue false */
  allowPrivateRepos?: boolean;
  sandbox: { image: string; cpus: number; memoryMb: number };
  commandTimeoutMs: number;
  /** PATCHBAY_MAX_PARALLEL_ATTEMPTS: a best-of-N job's attempts whose sandboxes run at once. @defaultValue 4 */
  maxParallelAttempts?: number;
  /** PATCHBAY_MAX_PATCH_BYTES: largest patch stored (pass to collectPatch / collectAgentChange). */
  maxPatchBytes?: number;
  /** PATCHBAY_MAX_REPO_FILES / PATCHBAY_MAX_REPO_MB: how big a job's checkout may be. */
  repoLimits?: { maxFiles: number; maxMb: number };
  /** PATCHBAY_GIT_CACHE*: the worker's cache of git objects per remote (absent: a fresh clone per job). */
  gitCache?: { dir: string; maxMb: number; history: "shallow" | "full" };
  /** Author of the commits pushed for `output.branch`. */
  gitAuthor?: { name: string; email: string };
  /** The Codex engine (JobSpec `engine: "codex"`): CLI version, host cache of installs, bridge binary. */
  codex?: { version: string; cacheDir: string; bridgePath: string };
  model: {
    baseURL?: string;
    apiKey: string;
    maxRetries: number;
    timeoutMs: number;
    /** PATCHBAY_MODEL_API: the protocol for models without a `chat:` / `responses:` prefix. */
    api?: "responses" | "chat";
    /** PATCHBAY_MODEL_PRICES: USD per 1M tokens, by model name or prefix. */
    prices?: Readonly<Record<string, { input: number; cachedInput: number; output: number }>>;
  };
}
