import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";

/** One request the server saw: which host it was addressed to and whether it carried credentials. */
export interface SeenRequest {
  host: string;
  url: string;
  authorization: string | undefined;
}

/** A git smart-HTTP server over TLS on loopback, reachable as `localhost` and as `127.0.0.1`. */
export interface GitHttpsServer {
  port: number;
  /** Bare repositories live here (`<root>/<name>.git`). */
  root: string;
  /** The CA file git must trust (GIT_SSL_CAINFO). */
  caFile: string;
  seen: SeenRequest[];
  close(): Promise<void>;
}

/**
 * Serves `git http-backend` over https with a self-signed certificate for localhost and
 * 127.0.0.1. Every request without an Authorization header gets 401 (a private repository);
 * `/moved/<path>` answers 301 to `https://127.0.0.1:<port>/<path>` (another host). Repositories
 * named in `options.public` (`<name>.git`) are served to anyone.
 */
export async function startGitHttpsServer(options: { public?: string[] } = {}): Promise<GitHttpsServer> {
  const dir = mkdtempSync(path.join(tmpdir(), "patchbay-git-https-"));
  const root = path.join(dir, "repos");
  const key = path.join(dir, "key.pem");
  const cert = path.join(dir, "cert.pem");
  execFileSync("mkdir", ["-p", root]);
  execFileSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-keyout",
      key,
      "-out",
      cert,
      "-days",
      "1",
      "-subj",
      "/CN=localhost",
    ].concat(["-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"]),
    { stdio: "ignore" },
  );
  const seen: SeenRequest[] = [];
  const server = createServer({ key: readFileSync(key), cert: readFileSync(cert) }, (req, res) => {
    const url = req.url ?? "/";
    seen.push({ host: req.headers.host ?? "", url, authorization: req.headers.authorization });
    if (url.startsWith("/moved/")) {
      res.writeHead(301, { location: `https://127.0.0.1:${port}/${url.slice("/moved/".length)}` }).end();
      return;
    }
    const open = options.public?.some((name) => url.startsWith(`/${name}/`)) ?? false;
    if (!req.headers.authorization && !open) {
      res.writeHead(401, { "www-authenticate": 'Basic realm="git"' }).end();
      return;
    }
    backend(root, req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    root,
    caFile: cert,
    seen,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Runs `git http-backend` as a CGI for one request. */
function backend(root: string, req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? "/", "https://x");
  const child = spawn("git", ["http-backend"], {
    env: {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      GIT_PROJECT_ROOT: root,
      GIT_HTTP_EXPORT_ALL: "1",
      PATH_INFO: decodeURIComponent(url.pathname),
      QUERY_STRING: url.search.slice(1),
      REQUEST_METHOD: req.method ?? "GET",
      CONTENT_TYPE: req.headers["content-type"] ?? "",
      REMOTE_USER: "tester",
      REMOTE_ADDR: "127.0.0.1",
      ...(req.headers["git-protocol"] ? { HTTP_GIT_PROTOCOL: String(req.headers["git-protocol"]) } : {}),
      ...(req.headers["content-encoding"] ? { HTTP_CONTENT_ENCODING: String(req.headers["content-encoding"]) } : {}),
    },
  });
  req.pipe(child.stdin);
  const chunks: Buffer[] = [];
  child.stdout.on("data", (c: Buffer) => chunks.push(c));
  child.on("close", () => {
    const out = Buffer.concat(chunks);
    const split = out.indexOf("\r\n\r\n");
    const head = out.subarray(0, split).toString("latin1").split("\r\n");
    const headers: Record<string, string> = {};
    let status = 200;
    for (const line of head) {
      const at = line.indexOf(":");
      const name = line.slice(0, at).trim().toLowerCase();
      const value = line.slice(at + 1).trim();
      if (name === "status") status = Number.parseInt(value, 10);
      else if (name) headers[name] = value;
    }
    res.writeHead(status, headers).end(out.subarray(split + 4));
  });
}
