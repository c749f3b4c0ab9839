import { PatchbayError } from "@patchbay/core";
import type { Request } from "express";

/** Who is calling: the key's prefix, its project and scopes. */
export interface AuthContext {
  prefix: string;
  projectId: string;
  scopes: readonly string[];
  rateLimitPerMin: number | null;
}

// Keyed by request so the context is typed without widening Express's own types.
const contexts = new WeakMap<Request, AuthContext>();

/** Records the authenticated caller on the request. */
export function setAuth(req: Request, auth: AuthContext): void {
  contexts.set(req, auth);
}

/** The authenticated caller; a route behind `authenticate` always has one. */
export function authOf(req: Request): AuthContext {
  const auth = contexts.get(req);
  if (!auth) throw new PatchbayError("unauthorized", "this endpoint needs an API key");
  return auth;
}
