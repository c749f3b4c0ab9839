import { readdir } from "node:fs/promises";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { handleEmbeddings } from "./embeddings.js";
import { parseBody, readBody, sendError, sendJson } from "./http.js";
import { handleChatCompletions, handleResponses, type ModelContext } from "./model-routes.js";
import { loadScriptsDir, parseScript, readScriptFile, SCRIPT_NAME } from "./script-schema.js";
import type { ModelScript, RecordedRequest, ScriptedModelServer, ScriptedModelServerOptions } from "./types.js";

const CANDIDATE_HEADER = "x-patchbay-candidate";

// Requests to these paths are about the recording itself, so they are not recorded.
const REQUESTS_PATH = "/v1/_requests";

class ServerState implements ModelContext {
  readonly scripts = new Map<string, ModelScript>();
  readonly failures = new Map<string, number>();
  requests: RecordedRequest[] = [];

  constructor(readonly scriptsDir: string | undefined) {}

  addScript(name: string, script: ModelScript): void {
    if (!SCRIPT_NAME.test(name))
      throw new Error(`invalid script name ${JSON.stringify(name)}: use letters, digits, . _ -`);
    this.scripts.set(name, script);
    // A replaced script starts over: earlier scripted failures must not leak into it.
    for (const key of this.failures.keys()) if (key.startsWith(`${name}\u0000`)) this.failures.delete(key);
  }

  // Files added to the folder after start are picked up on first use.
  async findScript(name: string): Promise<ModelScript | undefined> {
    const known = this.scripts.get(name);
    if (known || this.scriptsDir === undefined) return known;
    const script = await readScriptFile(this.scriptsDir, name);
    if (script) this.scripts.set(name, script);
    return script;
  }
}

/** Starts the scripted model server on 127.0.0.1 (port 0 = any free port). */
export async function startScriptedModelServer(options: ScriptedModelServerOptions = {}): Promise<ScriptedModelServer> {
  const state = new ServerState(options.scriptsDir);
  if (options.scriptsDir) {
    for (const [name, script] of Object.entries(await loadScriptsDir(options.scriptsDir)))
      state.addScript(name, script);
  }
  for (const [name, script] of Object.entries(options.scripts ?? {})) state.addScript(name, parseScript(script, name));
  const server = createServer((req, res) => {
    handle(state, req, res).catch((error: unknown) => {
      if (res.headersSent) res.destroy();
      else sendError(res, 500, { message: error instanceof Error ? error.message : String(error) });
    });
  });
  const host = options.host ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${host.includes(":") ? `[${host}]` : host}:${port}/v1`,
    port,
    get requests() {
      return state.requests;
    },
    set requests(value: RecordedRequest[]) {
      state.requests = value;
    },
    addScript: (name, script) => state.addScript(name, parseScript(script, name)),
    close: () => closeServer(server),
  };
}

function closeServer(server: ReturnType<typeof createServer>): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    // SDK clients keep connections alive; without this, close() waits for them to time out.
    server.closeAllConnections();
  });
}

async function handle(state: ServerState, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = parseBody(await readBody(req));
  const path = new URL(req.url ?? "/", "http://localhost").pathname;
  const method = req.method ?? "GET";
  if (path !== REQUESTS_PATH) state.requests.push({ method, path, headers: { ...req.headers }, body, at: Date.now() });
  const candidate = req.headers[CANDIDATE_HEADER];
  await route(state, { method, path, body, ...(typeof candidate === "string" ? { candidate } : {}) }, res);
}

/**
 * A best-of-N attempt's requests (header X-Patchbay-Candidate: n) are served from the script
 * `<name>.candidate-<n>` when there is one, so each attempt can follow its own trajectory.
 */
function candidateScripts(state: ServerState, candidate: string | undefined): ModelContext {
  if (!candidate || !/^[1-9][0-9]?$/.test(candidate)) return state;
  return {
    failures: state.failures,
    findScript: async (name) => (await state.findScript(`${name}.candidate-${candidate}`)) ?? state.findScript(name),
  };
}

interface Incoming {
  method: string;
  path: string;
  body: unknown;
  /** X-Patchbay-Candidate: which attempt of a best-of-N job sent the request. */
  candidate?: string;
}

async function route(state: ServerState, req: Incoming, res: ServerResponse): Promise<void> {
  const { method, path, body } = req;
  const isObject = typeof body === "object" && body !== null && !Array.isArray(body);
  if (method === "POST" && (path === "/v1/responses" || path === "/v1/chat/completions")) {
    if (!isObject) return sendError(res, 400, { message: "the request body must be a JSON object" });
    const handler = path === "/v1/responses" ? handleResponses : handleChatCompletions;
    return handler(candidateScripts(state, req.candidate), res, body as Record<string, unknown>);
  }
  if (method === "POST" && path === "/v1/embeddings") {
    if (!isObject) return sendError(res, 400, { message: "the request body must be a JSON object" });
    return handleEmbeddings(res, body as Record<string, unknown>);
  }
  if (method === "GET" && path === "/v1/models") {
    return sendJson(res, 200, { object: "list", data: await listModels(state) });
  }
  if (method === "GET" && path.startsWith("/v1/models/"))
    return getModel(state, decodeURIComponent(path.slice(11)), res);
  if (path.startsWith("/v1/scripts/")) return scriptRoute(state, method, decodeURIComponent(path.slice(12)), body, res);
  if (path === REQUESTS_PATH && method === "GET") return sendJson(res, 200, state.requests);
  if (path === REQUESTS_PATH && method === "DELETE") {
    state.requests.length = 0;
    return sendJson(res, 200, { deleted: true });
  }
  sendError(res, 404, { message: `no route for ${method} ${path}`, code: "unknown_url" });
}

// The folder is read again so that files added after start are listed too.
async function listModels(state: ServerState): Promise<Array<Record<string, unknown>>> {
  const names = new Set(state.scripts.keys());
  if (state.scriptsDir !== undefined) {
    for (const file of await readdir(state.scriptsDir)) {
      const name = file.slice(0, -".json".length);
      if (file.endsWith(".json") && SCRIPT_NAME.test(name)) names.add(name);
    }
  }
  return [...names].sort().map((name) => modelEntry(name));
}

function modelEntry(name: string): Record<string, unknown> {
  return { id: `script:${name}`, object: "model", created: 0, owned_by: "patchbay-testkit" };
}

async function getModel(state: ServerState, id: string, res: ServerResponse): Promise<void> {
  const name = id.startsWith("script:") ? id.slice(7) : undefined;
  if (name !== undefined && (await state.findScript(name))) return sendJson(res, 200, modelEntry(name));
  sendError(res, 404, { message: `The model \`${id}\` does not exist`, param: "model", code: "model_not_found" });
}

async function scriptRoute(state: ServerState, method: string, name: string, body: unknown, res: ServerResponse) {
  if (!SCRIPT_NAME.test(name)) {
    return sendError(res, 400, { message: `invalid script name ${JSON.stringify(name)}: use letters, digits, . _ -` });
  }
  if (method === "GET") {
    const script = await state.findScript(name);
    if (script) return sendJson(res, 200, script);
    return sendError(res, 404, { message: `no script named ${name}`, code: "script_not_found" });
  }
  if (method !== "POST" && method !== "PUT") {
    return sendError(res, 405, { message: `${method} is not allowed on /v1/scripts/<name>; POST the script JSON` });
  }
  if (typeof body !== "object" || body === null) {
    return sendError(res, 400, { message: 'the body must be a JSON script: {"turns": [{"output": [...]}]}' });
  }
  let script: ModelScript;
  try {
    script = parseScript(body, `script ${name}`);
  } catch (error) {
    return sendError(res, 400, { message: (error as Error).message, param: "turns", code: "invalid_script" });
  }
  state.addScript(name, script);
  sendJson(res, 200, { name, model: `script:${name}`, turns: script.turns.length });
}
