import { createServer, type Server } from "node:http";
import type { Express } from "express";

/** Limits on the HTTP layer itself, before Express sees a request. */
export interface ServerLimits {
  /** Largest header block accepted; bigger requests get 431 from Node. */
  maxHeaderBytes: number;
}

/**
 * An HTTP server for the app with bounded headers and a deadline for receiving a request's
 * headers and body (slow-loris clients are dropped). Responses such as event streams are not
 * limited in time.
 */
export function createHttpServer(app: Express, limits: ServerLimits): Server {
  const server = createServer({ maxHeaderSize: limits.maxHeaderBytes }, app);
  server.headersTimeout = 15_000;
  server.requestTimeout = 60_000;
  // Longer than clients keep an idle connection (fetch: the server's hint, less a margin): with
  // Node's 5 s the server could close one just as a busy client reused it, a reset the client
  // sees as a failed request (seen in the e2e suite under load).
  server.keepAliveTimeout = 65_000;
  return server;
}
