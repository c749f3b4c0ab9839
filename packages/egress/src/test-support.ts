import { once } from "node:events";
import { createServer as createHttpServer, type Server as HttpServer, request } from "node:http";
import { createServer, type Server, type Socket } from "node:net";
import type { EgressEvent } from "./types.js";

/**
 * An HTTP origin on loopback that answers `origin:<method>:<path>` (or N bytes for `/big/N`) and
 * remembers what it saw.
 */
export async function startOrigin(): Promise<{
  server: HttpServer;
  port: number;
  seen: Array<Record<string, unknown>>;
}> {
  const seen: Array<Record<string, unknown>> = [];
  const server = createHttpServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => {
      body += c.toString();
    });
    req.on("end", () => {
      seen.push({ method: req.method, url: req.url, headers: req.headers, body });
      res.setHeader("content-type", "text/plain");
      const big = /^\/big\/(\d+)$/.exec(req.url ?? "");
      res.end(big ? Buffer.alloc(Number(big[1]), 97) : `origin:${req.method}:${req.url}`);
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return { server, port: (server.address() as { port: number }).port, seen };
}

/**
 * A raw TCP service standing in for a TLS origin behind CONNECT: it reads until the client
 * half-closes, then answers `tcp:` + the bytes reversed and closes.
 */
export async function startTcpTarget(): Promise<{ server: Server; port: number; accepted: () => number }> {
  let count = 0;
  const server = createServer({ allowHalfOpen: true }, (socket) => {
    count += 1;
    const chunks: Buffer[] = [];
    socket.on("data", (c: Buffer) => chunks.push(c));
    socket.on("end", () => socket.end(`tcp:${Buffer.concat(chunks).toString().split("").reverse().join("")}`));
    socket.on("error", () => socket.destroy());
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return { server, port: (server.address() as { port: number }).port, accepted: () => count };
}

/** Collects a door's events; `next(n)` waits until n have arrived. */
export function eventSink(): {
  events: EgressEvent[];
  on: (ev: EgressEvent) => void;
  next: (n: number) => Promise<void>;
} {
  const events: EgressEvent[] = [];
  const waiters: Array<() => void> = [];
  return {
    events,
    on: (ev) => {
      events.push(ev);
      for (const w of waiters.splice(0)) w();
    },
    next: async (n) => {
      const deadline = Date.now() + 10_000;
      while (events.length < n) {
        if (Date.now() > deadline) throw new Error(`expected ${n} egress events, got ${events.length}`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 100);
        });
      }
    },
  };
}

/** A plain-HTTP proxy request over the door's unix socket. */
export function proxyGet(
  socketPath: string,
  url: string,
  options: { method?: string; body?: string; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        socketPath,
        path: url,
        method: options.method ?? "GET",
        headers: { host: new URL(url).host, ...options.headers },
      },
      (res) => {
        let body = "";
        res.on("data", (c: Buffer) => {
          body += c.toString();
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on("error", reject);
    req.end(options.body);
  });
}

/** Opens a CONNECT tunnel over the door's unix socket; resolves with the proxy's answer. */
export function proxyConnect(
  socketPath: string,
  authority: string,
): Promise<{ status: number; socket: Socket; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, method: "CONNECT", path: authority, headers: { host: authority } });
    req.on("connect", (res, socket: Socket, head: Buffer) => {
      socket.on("error", () => socket.destroy());
      if (res.statusCode === 200) {
        resolve({ status: 200, socket, body: "" });
        return;
      }
      let body = head.toString();
      socket.on("data", (c: Buffer) => {
        body += c.toString();
      });
      socket.on("close", () => resolve({ status: res.statusCode ?? 0, socket, body }));
    });
    // A refused CONNECT is an ordinary response with a body, not a tunnel.
    req.on("response", (res) => {
      let body = "";
      res.on("data", (c: Buffer) => {
        body += c.toString();
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, socket: res.socket as Socket, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

/** Sends `text` through an open tunnel, half-closes, and reads the answer until the far side closes. */
export function roundTrip(socket: Socket, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = "";
    socket.on("data", (c: Buffer) => {
      out += c.toString();
    });
    socket.on("end", () => resolve(out));
    socket.on("error", reject);
    socket.end(text);
  });
}
