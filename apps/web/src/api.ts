import type { JobResult, JobSpec, PlanStep } from "@patchbay/core";

const KEY = "patchbay.key";

/** The job as GET /v1/jobs/:id answers it. */
export interface Job {
  id: string;
  projectId: string;
  status: string;
  phase: string | null;
  model: string;
  attempt: number;
  cancelRequested: boolean;
  createdAt: string;
  updatedAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  spec: JobSpec;
  result: JobResult | null;
  error: { code: string; message: string; retryable: boolean } | null;
  /** The job this one follows up, and the thread's first job. */
  parentId?: string | null;
  rootId?: string | null;
  /** The agent's current plan (GET /v1/jobs/:id only). */
  plan?: { explanation?: string; steps: PlanStep[] } | null;
}

/** Who the signed-in key is. */
export interface Me {
  prefix: string;
  projectId: string;
  scopes: string[];
}

/** An API error: the HTTP status and the `{error: {code, message, details}}` envelope. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Array<{ path: string; message: string }> = [],
  ) {
    super(message);
  }
}

/** The key kept for this browser tab (session storage: gone when the tab closes). */
export const session = {
  key: (): string | null => sessionStorage.getItem(KEY),
  signIn: (key: string) => sessionStorage.setItem(KEY, key),
  signOut: () => sessionStorage.removeItem(KEY),
};

/** Whether the key may do `scope` (admin may do everything). */
export function can(me: Me | null, scope: string): boolean {
  return !!me && (me.scopes.includes(scope) || me.scopes.includes("admin"));
}

/** Calls the API with the signed-in key; throws ApiError on an error answer. */
export async function call(path: string, init: RequestInit = {}, key = session.key()): Promise<Response> {
  const headers = new Headers(init.headers);
  if (key) headers.set("authorization", `Bearer ${key}`);
  if (init.body) headers.set("content-type", "application/json");
  let res: Response;
  try {
    res = await fetch(path, { ...init, headers });
  } catch {
    throw new ApiError(0, "network", "the API cannot be reached; check that it is running and retry");
  }
  if (res.ok) return res;
  const body = (await res.json().catch(() => null)) as {
    error?: { code: string; message: string; details?: ApiError["details"] };
  } | null;
  const err = body?.error;
  throw new ApiError(res.status, err?.code ?? "http", err?.message ?? `HTTP ${res.status}`, err?.details ?? []);
}

/** GET (or another method) returning JSON. */
export async function json<T>(path: string, init: RequestInit = {}): Promise<T> {
  return (await (await call(path, init)).json()) as T;
}

/** Tells who a key is; 401 when it is not valid. */
export function whoami(key: string): Promise<Me> {
  return call("/v1/auth/whoami", {}, key).then((r) => r.json() as Promise<Me>);
}
