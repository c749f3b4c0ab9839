import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { type BuiltWheel, buildWheel, normalizeProjectName, type PythonPackageSpec } from "./wheel.js";

/** Options for {@link startPythonIndex}. */
export interface PythonIndexOptions {
  /** Built into wheels and served from the start. */
  packages?: PythonPackageSpec[];
  /** 0 (the default) = any free port. */
  port?: number;
}

/** One request the index answered. */
export interface PythonIndexRequest {
  method: string;
  path: string;
  status: number;
}

/** A PEP 503 simple index on 127.0.0.1. */
export interface PythonIndex {
  /** `http://127.0.0.1:<port>/simple`, for `pip install --index-url`. */
  url: string;
  port: number;
  /** Every request so far, oldest first. */
  readonly requests: PythonIndexRequest[];
  /** Builds and serves more packages (a new version of a served project is added beside the old). */
  add(packages: PythonPackageSpec[]): BuiltWheel[];
  close(): Promise<void>;
}

/** Serves wheels it builds from `packages` as a PEP 503 "simple" index over HTTP on loopback. */
export async function startPythonIndex(options: PythonIndexOptions = {}): Promise<PythonIndex> {
  const projects = new Map<string, Map<string, BuiltWheel>>();
  const requests: PythonIndexRequest[] = [];
  const add = (packages: PythonPackageSpec[]): BuiltWheel[] =>
    packages.map((spec) => {
      const wheel = buildWheel(spec);
      const files = projects.get(wheel.project) ?? new Map<string, BuiltWheel>();
      files.set(wheel.filename, wheel);
      projects.set(wheel.project, files);
      return wheel;
    });
  add(options.packages ?? []);
  const server = createServer((req, res) => {
    const status = route(projects, req, res);
    requests.push({ method: req.method ?? "GET", path: req.url ?? "/", status });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return { url: `http://127.0.0.1:${port}/simple`, port, requests, add, close: () => closeServer(server) };
}

type Projects = Map<string, Map<string, BuiltWheel>>;

// Links are relative, so the pages stay right whatever host name a client (or a proxy) used.
function route(projects: Projects, req: IncomingMessage, res: ServerResponse): number {
  if (req.method !== "GET" && req.method !== "HEAD") return send(req, res, 405, "text/plain", "GET or HEAD only\n");
  const path = decodePath(req.url ?? "/");
  if (path === undefined) return send(req, res, 400, "text/plain", "malformed path\n");
  if (path === "/simple") return redirect(res, "/simple/");
  if (path === "/simple/") {
    const links = [...projects.keys()].sort().map((name) => `<a href="${name}/">${name}</a>`);
    return send(req, res, 200, "text/html", page("Simple index", links));
  }
  const project = /^\/simple\/([^/]+)\/?$/.exec(path)?.[1];
  if (project !== undefined) {
    const normalized = normalizeProjectName(project);
    // PEP 503: other spellings of a name redirect to the normalized one, as does a missing slash.
    if (normalized !== project || !path.endsWith("/")) return redirect(res, `/simple/${normalized}/`);
    const files = projects.get(normalized);
    if (!files) return send(req, res, 404, "text/plain", `no project ${normalized}\n`);
    const links = [...files.values()].map(
      (w) => `<a href="../../files/${w.filename}#sha256=${w.sha256}">${w.filename}</a>`,
    );
    return send(req, res, 200, "text/html", page(`Links for ${normalized}`, links));
  }
  const filename = /^\/files\/([^/]+)$/.exec(path)?.[1];
  const wheel = filename ? findWheel(projects, filename) : undefined;
  if (wheel) return send(req, res, 200, "application/octet-stream", wheel.bytes);
  return send(req, res, 404, "text/plain", `not found: ${path}\n`);
}

function decodePath(url: string): string | undefined {
  try {
    return decodeURIComponent(new URL(url, "http://index").pathname);
  } catch {
    return undefined;
  }
}

function findWheel(projects: Projects, filename: string): BuiltWheel | undefined {
  for (const files of projects.values()) {
    const wheel = files.get(filename);
    if (wheel) return wheel;
  }
  return undefined;
}

function page(title: string, links: string[]): string {
  return `<!DOCTYPE html>\n<html><head><meta name="pypi:repository-version" content="1.0"><title>${title}</title></head>\n<body>\n${links.join("<br>\n")}\n</body></html>\n`;
}

function send(req: IncomingMessage, res: ServerResponse, status: number, type: string, body: string | Buffer): number {
  res.writeHead(status, { "content-type": type, "content-length": Buffer.byteLength(body) });
  res.end(req.method === "HEAD" ? undefined : body);
  return status;
}

function redirect(res: ServerResponse, location: string): number {
  res.writeHead(301, { location, "content-length": 0 });
  res.end();
  return 301;
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    // pip keeps connections alive; without this close() waits for them to time out.
    server.closeAllConnections();
  });
}
