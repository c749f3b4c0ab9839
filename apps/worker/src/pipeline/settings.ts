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
  /** Author of the commits pushed for `output.branch`. */
  gitAuthor?: { name: string; email: string };
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
