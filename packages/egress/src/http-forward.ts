import { type IncomingMessage, request, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { type DoorRuntime, type Flow, refusalAllowed } from "./flow.js";
import { normalizeHost } from "./rules.js";
import type { Refusal } from "./target.js";

/** Headers that belong to one hop (client↔proxy or proxy↔origin), never forwarded. */
const HOP_BY_HOP = new Set([
  "connection",
  "proxy-connection",
  "keep-alive",
  "proxy-authorization",
  "proxy-authenticate",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
  "expect",
]);

/** rawHeaders without hop-by-hop ones (and those the Connection header names). */
export function endToEndHeaders(raw: readonly string[]): string[] {
  const named = new Set(HOP_BY_HOP);
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i]?.toLowerCase() === "connection") {
      for (const token of (raw[i + 1] ?? "").split(",")) named.add(token.trim().toLowerCase());
    }
  }
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] ?? "";
    if (!named.has(name.toLowerCase())) out.push(name, raw[i + 1] ?? "");
  }
  return out;
}

function sendText(res: ServerResponse, status: number, body: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const text = `${body}\n`;
  res.writeHead(status, { "content-type": "text/plain; charset=utf-8", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

function refuseWith(res: ServerResponse, flow: Flow, refusal: Refusal, rt: DoorRuntime): void {
  flow.refuse(refusal, refusalAllowed(refusal));
  sendText(res, refusal.status, refusal.message);
  rt.end(flow);
}

/** The target of an absolute-URI request (`GET http://host:port/path`); null for anything else. */
function absoluteTarget(url: string | undefined): URL | null {
  if (!url || !/^http:\/\//i.test(url)) return null;
  try {
    return new URL(url);
  } catch {
    return null;
  }
}

/**
 * Forwards one plain-HTTP proxy request: policy first, then a vetted connection to the origin,
 * then the request and the response streamed through (hop-by-hop headers dropped, one upstream
 * connection per request).
 */
export async function forwardHttp(req: IncomingMessage, res: ServerResponse, rt: DoorRuntime): Promise<void> {
  const url = absoluteTarget(req.url);
  if (!url) {
    sendText(res, 400, "Patchbay egress proxy: send absolute-URI requests (http://host/path) or CONNECT host:port.");
    return;
  }
  const method = req.method ?? "GET";
  const flow = rt.begin(normalizeHost(url.hostname), Number(url.port || 80), method);
  const refusal = rt.check(flow);
  if (refusal) return refuseWith(res, flow, refusal, rt);
  const dialed = await rt.dial(flow.host, flow.port);
  if (!dialed.ok) return refuseWith(res, flow, dialed, rt);
  if (res.destroyed) {
    dialed.socket.destroy();
    flow.fail("aborted");
    rt.end(flow);
    return;
  }
  relay(req, res, flow, dialed.socket, url, rt);
}

function relay(req: IncomingMessage, res: ServerResponse, flow: Flow, socket: Socket, url: URL, rt: DoorRuntime): void {
  const headers = endToEndHeaders(req.rawHeaders);
  if (!headers.some((_, i) => i % 2 === 0 && headers[i]?.toLowerCase() === "host")) headers.push("Host", url.host);
  const upstream = request({
    method: flow.method ?? "GET",
    path: `${url.pathname}${url.search}`,
    headers,
    createConnection: () => socket,
  });
  const stop = (reason: Parameters<Flow["fail"]>[0]) => {
    flow.fail(reason);
    upstream.destroy();
    if (res.headersSent) {
      res.destroy();
      return;
    }
    flow.status = reason === "idle_timeout" ? 504 : 502;
    const what = reason === "idle_timeout" ? `sent nothing for ${rt.idleTimeoutMs} ms` : "broke off the connection";
    sendText(res, flow.status, `Patchbay egress proxy: ${flow.host}:${flow.port} ${what}.`);
  };
  flow.kill = (reason) => {
    flow.fail(reason);
    upstream.destroy();
    res.destroy();
  };
  socket.setTimeout(rt.idleTimeoutMs, () => stop("idle_timeout"));
  upstream.on("error", () => stop("aborted"));
  upstream.on("response", (up) => {
    flow.status = up.statusCode ?? 502;
    res.writeHead(flow.status, up.statusMessage, endToEndHeaders(up.rawHeaders));
    up.on("data", (chunk: Buffer) => {
      flow.bytesDown += chunk.length;
    });
    up.on("error", () => stop("aborted"));
    up.pipe(res);
  });
  req.on("data", (chunk: Buffer) => {
    flow.bytesUp += chunk.length;
  });
  req.pipe(upstream);
  res.on("close", () => {
    if (!res.writableFinished) flow.fail("aborted");
    upstream.destroy();
    rt.end(flow);
  });
}
