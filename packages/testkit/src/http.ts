import type { IncomingMessage, ServerResponse } from "node:http";

/** OpenAI's error body: `{error: {message, type, param, code}}`. */
export interface OpenAIErrorBody {
  message: string;
  type: string;
  param: string | null;
  code: string | null;
}

/** Reads the whole request body as UTF-8 text. */
export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/** Parses a body as JSON; the raw text when it is not JSON, undefined when empty. */
export function parseBody(text: string): unknown {
  if (text.length === 0) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** Sends a JSON answer. */
export function sendJson(
  res: ServerResponse,
  status: number,
  value: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(value);
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
    "x-request-id": `req_${Date.now().toString(36)}`,
    ...headers,
  });
  res.end(text);
}

/** Sends an error in OpenAI's shape so that the SDK raises its typed APIError subclasses. */
export function sendError(
  res: ServerResponse,
  status: number,
  error: Partial<OpenAIErrorBody> & { message: string },
  headers: Record<string, string> = {},
): void {
  const body: OpenAIErrorBody = {
    message: error.message,
    type: error.type ?? (status >= 500 ? "server_error" : "invalid_request_error"),
    param: error.param ?? null,
    code: error.code ?? null,
  };
  sendJson(res, status, { error: body }, headers);
}

/** Starts a Server-Sent Events answer. */
export function startSse(res: ServerResponse): void {
  res.writeHead(200, {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache",
    connection: "keep-alive",
  });
}

/** Writes one SSE message; `event` is left out for Chat Completions, which uses bare data lines. */
export function writeSse(res: ServerResponse, data: unknown, event?: string): void {
  const payload = typeof data === "string" ? data : JSON.stringify(data);
  res.write(`${event === undefined ? "" : `event: ${event}\n`}data: ${payload}\n\n`);
}
