import { chmod, rm } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Logger } from "pino";
import { type ModelResponse, ModelResponseSchema } from "./model-response.js";
import { SseResponses } from "./sse-responses.js";

/** Where the proxy forwards to and with which key (the key stays on this side of the socket). */
export interface ModelUpstream {
  /** OpenAI-compatible base URL ending in `/v1`. */
  baseURL: string;
  apiKey: string;
  timeoutMs: number;
}

export interface ModelProxyOptions {
  /** The unix socket to listen on; its folder is bind-mounted into the sandbox. */
  socketPath: string;
  upstream: ModelUpstream;
  /** Asked before each model call; a message refuses the call (a limit was reached). */
  admit: () => string | null;
  /** Each finished model response (`response.completed`, `.incomplete` or `.failed`). */
  onResponse: (response: ModelResponse) => void;
  /** Takes secrets out of a request body before it leaves (the model sees tool outputs there). */
  redact?: (text: string) => string;
  logger: Logger;
}

/** A running proxy; `lastError` names the last upstream failure, for the job's error. */
export interface ModelProxy {
  readonly lastError: { status: number | null; message: string } | null;
  close(): Promise<void>;
}

// Codex calls /responses (and /responses/compact for remote compaction) and may list models.
const ALLOWED = /^\/v1\/(responses(\/compact)?|models(\/[A-Za-z0-9:._\-/]*)?)(\?.*)?$/;
const MAX_BODY_BYTES = 64 * 1024 * 1024;
const DROPPED_REQUEST = new Set([
  "host",
  "authorization",
  "connection",
  "content-length",
  "accept-encoding",
  "keep-alive",
  "transfer-encoding",
  "te",
  "upgrade",
  "cookie",
  "proxy-authorization",
  "proxy-connection",
]);
const DROPPED_RESPONSE = new Set([
  "connection",
  "content-length",
  "content-encoding",
  "transfer-encoding",
  "set-cookie",
]);

/**
 * The worker-side end of the Codex engine's model socket: an HTTP server on a unix socket that
 * forwards the sandbox's Responses API calls to the configured endpoint with the API key added,
 * streams the answers back unchanged, and reports each response (usage, output items).
 */
export async function startModelProxy(options: ModelProxyOptions): Promise<ModelProxy> {
  const state: { lastError: ModelProxy["lastError"] } = { lastError: null };
  const server = createServer((req, res) => {
    handle(req, res, options, state).catch((err: unknown) => {
      options.logger.warn({ err }, "codex model proxy: request failed");
      if (!res.headersSent) sendError(res, 502, "the model proxy failed");
      else res.destroy();
    });
  });
  await rm(options.socketPath, { force: true });
  await listen(server, options.socketPath);
  // The sandbox user (uid 1000) connects through a read-only bind mount: it needs write permission.
  await chmod(options.socketPath, 0o666);
  return {
    get lastError() {
      return state.lastError;
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(options.socketPath, { force: true });
    },
  };
}

function listen(server: Server, socketPath: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(socketPath, () => {
      server.off("error", reject);
      resolve();
    });
  });
}

async function handle(
  req: IncomingMessage,
  res: ServerResponse,
  options: ModelProxyOptions,
  state: { lastError: ModelProxy["lastError"] },
): Promise<void> {
  const url = req.url ?? "/";
  if (!ALLOWED.test(url))
    return sendError(res, 404, `the model proxy does not serve ${req.method} ${url.split("?")[0]}`);
  const isCall = req.method === "POST" && url.startsWith("/v1/responses");
  const refusal = isCall ? options.admit() : null;
  if (refusal) return sendError(res, 400, refusal, "patchbay_limit");
  const body = req.method === "POST" ? await readBody(req) : undefined;
  const abort = new AbortController();
  res.on("close", () => abort.abort());
  const timer = setTimeout(() => abort.abort(), options.upstream.timeoutMs);
  try {
    const upstream = await fetch(options.upstream.baseURL.replace(/\/+$/, "") + url.slice(3), {
      method: req.method ?? "GET",
      headers: forwardHeaders(req, options.upstream.apiKey),
      ...(body ? { body: redactBody(body, req, options.redact) } : {}),
      signal: abort.signal,
    }).catch((err: unknown) => {
      state.lastError = { status: null, message: `the model endpoint is unreachable: ${String(err)}` };
      throw err;
    });
    // A model call that went through after a failed one (Codex retries) clears it: the job's error
    // names the endpoint only when its last answer was a failure.
    if (upstream.status >= 400) state.lastError = { status: upstream.status, message: `HTTP ${upstream.status}` };
    else if (isCall) state.lastError = null;
    res.writeHead(upstream.status, responseHeaders(upstream.headers));
    await relay(upstream, res, isCall ? options.onResponse : null);
  } finally {
    clearTimeout(timer);
  }
}

/** Streams the upstream body to the sandbox, reading the responses out of it on the way. */
async function relay(upstream: Response, res: ServerResponse, onResponse: ((r: ModelResponse) => void) | null) {
  const sse = (upstream.headers.get("content-type") ?? "").includes("text/event-stream");
  const parser = onResponse && sse ? new SseResponses(onResponse) : null;
  const plain: Buffer[] = [];
  if (upstream.body) {
    for await (const chunk of upstream.body) {
      const buf = Buffer.from(chunk as Uint8Array);
      parser?.push(buf);
      if (onResponse && !sse) plain.push(buf);
      if (!res.write(buf)) await new Promise((r) => res.once("drain", r));
    }
  }
  res.end();
  if (onResponse && !sse && upstream.ok) {
    const checked = ModelResponseSchema.safeParse(safeJson(Buffer.concat(plain).toString("utf8")));
    if (checked.success) onResponse(checked.data);
  }
}

function forwardHeaders(req: IncomingMessage, apiKey: string): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined || DROPPED_REQUEST.has(name)) continue;
    headers.set(name, Array.isArray(value) ? value.join(", ") : value);
  }
  headers.set("authorization", `Bearer ${apiKey}`);
  return headers;
}

function responseHeaders(headers: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  headers.forEach((value, name) => {
    if (!DROPPED_RESPONSE.has(name)) out[name] = value;
  });
  return out;
}

/** Redacts a plain JSON body; a compressed one is passed as it is (it cannot be read here). */
function redactBody(body: Buffer, req: IncomingMessage, redact?: (text: string) => string): Buffer {
  if (!redact || req.headers["content-encoding"]) return body;
  return Buffer.from(redact(body.toString("utf8")), "utf8");
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new Error(`request body over ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function sendError(res: ServerResponse, status: number, message: string, code: string | null = null): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify({ error: { message, type: "invalid_request_error", param: null, code } }));
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
