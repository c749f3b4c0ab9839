import type { JobEvent } from "@patchbay/core";

/** A CLI, configuration or connection problem (exit code 3); `retryable` when trying again may help. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly retryable = false,
  ) {
    super(message);
  }
}

/** The parts of a check run the CLI reads (status and reason are absent in older jobs' results). */
export interface CheckRunView {
  kind: string;
  command: string;
  passed: boolean;
  status?: "passed" | "failed" | "unavailable";
  reason?: string;
  exitCode: number | null;
  counts?: { passed: number; failed: number; skipped: number };
}

/** The parts of a job the CLI reads. */
export interface JobView {
  id: string;
  spec?: { kind?: string; task?: string; repo?: { url: string }; limits?: { timeoutSec?: number } };
  status: string;
  phase: string | null;
  model: string;
  error: { code: string; message: string } | null;
  result: {
    summary: string | null;
    patchStats: { files: number; insertions: number; deletions: number };
    checks: {
      /** null: no checks ran. */
      passed: boolean | null;
      regressions: string[];
      before: CheckRunView[];
      after: CheckRunView[];
      fixed?: string[];
      stillFailing?: string[];
      newlyFailing?: string[];
    };
    usage: { inputTokens: number; outputTokens: number; turns: number };
  } | null;
}

/** A thin client of the Patchbay REST API. */
export class ApiClient {
  constructor(
    private readonly baseUrl: string,
    private readonly apiKey?: string,
  ) {}

  private async request(path: string, init?: RequestInit): Promise<Response> {
    const url = new URL(path, this.baseUrl);
    const headers = new Headers(init?.headers);
    if (this.apiKey) headers.set("authorization", `Bearer ${this.apiKey}`);
    let res: Response;
    try {
      res = await fetch(url, { ...init, headers });
    } catch (err) {
      if (init?.signal?.aborted) throw err;
      const cause = (err as Error & { cause?: { code?: string; message?: string } }).cause;
      throw new CliError(
        `cannot reach the Patchbay API at ${this.baseUrl}: ${cause?.code ?? cause?.message ?? (err as Error).message}`,
        true,
      );
    }
    if (!res.ok) {
      const body = (await res.json().catch(() => null)) as { error?: { message?: string } } | null;
      const hint = res.status === 401 && !this.apiKey ? " (set PATCHBAY_API_KEY or pass --api-key)" : "";
      throw new CliError(
        `${init?.method ?? "GET"} ${path}: ${res.status} ${body?.error?.message ?? res.statusText}${hint}`,
        res.status >= 500 || res.status === 429,
      );
    }
    return res;
  }

  /** Sends a JSON request; returns the parsed JSON body (null for an empty one). */
  async send(method: string, path: string, body?: unknown): Promise<unknown> {
    const res = await this.request(path, {
      method,
      ...(body === undefined ? {} : { headers: { "content-type": "application/json" }, body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return text ? (JSON.parse(text) as unknown) : null;
  }

  /** POSTs raw bytes (a git bundle); returns the parsed JSON answer. */
  async upload(path: string, data: Buffer): Promise<unknown> {
    const res = await this.request(path, {
      method: "POST",
      headers: { "content-type": "application/x-git-bundle" },
      body: new Uint8Array(data),
    });
    return (await res.json()) as unknown;
  }

  /** Submits a job spec; returns the job. */
  async submit(spec: unknown, idempotencyKey?: string): Promise<JobView> {
    const res = await this.request("/v1/jobs", {
      method: "POST",
      headers: { "content-type": "application/json", ...(idempotencyKey ? { "idempotency-key": idempotencyKey } : {}) },
      body: JSON.stringify(spec),
    });
    return (await res.json()) as JobView;
  }

  /** Reads a job. */
  async get(id: string): Promise<JobView> {
    return (await (await this.request(`/v1/jobs/${encodeURIComponent(id)}`)).json()) as JobView;
  }

  /** Asks for the job to be cancelled. */
  async cancel(id: string): Promise<JobView> {
    return (await (
      await this.request(`/v1/jobs/${encodeURIComponent(id)}/cancel`, { method: "POST" })
    ).json()) as JobView;
  }

  /** The job's patch as text. */
  async patch(id: string): Promise<string> {
    return (await this.request(`/v1/jobs/${encodeURIComponent(id)}/patch`)).text();
  }

  /** Follows the job's event stream until the server closes it (the job finished). */
  async *events(id: string, after = 0, signal?: AbortSignal): AsyncGenerator<JobEvent> {
    const res = await this.request(`/v1/jobs/${encodeURIComponent(id)}/events?after=${after}`, {
      headers: { accept: "text/event-stream" },
      ...(signal ? { signal } : {}),
    });
    if (!res.body) return;
    let pending = "";
    const decoder = new TextDecoder();
    for await (const chunk of this.dropsRetryable(res.body, signal)) {
      pending += decoder.decode(chunk as Uint8Array, { stream: true });
      let end = pending.indexOf("\n\n");
      while (end >= 0) {
        const data = pending
          .slice(0, end)
          .split("\n")
          .filter((l) => l.startsWith("data: "))
          .map((l) => l.slice(6))
          .join("\n");
        pending = pending.slice(end + 2);
        if (data) yield JSON.parse(data) as JobEvent;
        end = pending.indexOf("\n\n");
      }
    }
  }

  /** The body's chunks; a connection lost mid-stream is a retryable CliError (the caller resumes). */
  private async *dropsRetryable(body: ReadableStream<Uint8Array>, signal?: AbortSignal): AsyncGenerator<Uint8Array> {
    try {
      for await (const chunk of body) yield chunk;
    } catch (err) {
      if (signal?.aborted) throw err;
      throw new CliError(`the event stream from ${this.baseUrl} dropped: ${(err as Error).message}`, true);
    }
  }
}
