/** What the pipeline needs from the worker's configuration. */
export interface PipelineSettings {
  workerId: string;
  /** Host folder for clones. */
  workDir: string;
  hostPath: string;
  sandbox: { image: string; cpus: number; memoryMb: number };
  commandTimeoutMs: number;
  model: { baseURL?: string; apiKey: string; maxRetries: number; timeoutMs: number };
}
