import { type ChildProcess, fork } from "node:child_process";
import { randomBytes } from "node:crypto";
import { closeSync, openSync, readFileSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { freePort, runChecked, tail } from "./child.js";
import { type NpmPackageSpec, publishPackages } from "./npm-publish.js";

/** Options for {@link startNpmRegistry}. */
export interface NpmRegistryOptions {
  /** Published (with real `npm publish`) before the function returns. */
  packages?: NpmPackageSpec[];
  /**
   * Packages not published here are fetched from this registry: `true` = the registry the host's
   * npm is configured for (`npm config get registry`), a string = that URL. Default: none (offline).
   */
  uplink?: boolean | string;
  /** Start-up (not publishing) must finish within this; default 60 s (about 1.5 s idle, 5 s at load 15). */
  startTimeoutMs?: number;
}

/** A running Verdaccio on 127.0.0.1. */
export interface NpmRegistry {
  /** `http://127.0.0.1:<port>/`, for `--registry`. */
  url: string;
  port: number;
  /** Verdaccio's log (JSON lines); removed by close(). */
  logPath: string;
  /** Publishes more packages, as `packages` did at start. */
  publish(packages: NpmPackageSpec[]): Promise<void>;
  /** Stops the server and removes its storage, log and temp files. */
  close(): Promise<void>;
}

const require = createRequire(import.meta.url);
const USER = "patchbay-testkit";

/** Starts a real npm registry (Verdaccio, as a child process) on loopback and publishes `packages` to it. */
export async function startNpmRegistry(options: NpmRegistryOptions = {}): Promise<NpmRegistry> {
  const root = await mkdtemp(join(tmpdir(), "patchbay-npm-registry-"));
  let child: ChildProcess | undefined;
  try {
    const configPath = join(root, "config.yaml");
    await writeFile(configPath, JSON.stringify(await verdaccioConfig(root, options.uplink), null, 2));
    const logPath = join(root, "verdaccio.log");
    const started = await startWithRetries(configPath, logPath, options.startTimeoutMs ?? 60_000);
    child = started.child;
    const url = `http://127.0.0.1:${started.port}/`;
    const target = {
      registryUrl: url,
      userconfig: join(root, "publish.npmrc"),
      cache: join(root, "npm-cache"),
      workDir: root,
    };
    const token = await createUser(url);
    await writeFile(target.userconfig, `//127.0.0.1:${started.port}/:_authToken=${token}\n`, { mode: 0o600 });
    await publishPackages(target, options.packages ?? []);
    const running = child;
    return {
      url,
      port: started.port,
      logPath,
      publish: (packages) => publishPackages(target, packages),
      close: async () => {
        await stopChild(running);
        await rm(root, { recursive: true, force: true });
      },
    };
  } catch (error) {
    if (child) await stopChild(child);
    await rm(root, { recursive: true, force: true });
    throw error;
  }
}

// JSON is YAML, so no YAML writer is needed.
async function verdaccioConfig(root: string, uplink: boolean | string | undefined): Promise<Record<string, unknown>> {
  await mkdir(join(root, "storage"));
  const upstream = uplink === true ? await hostRegistry() : uplink || undefined;
  const access = {
    access: "$all",
    publish: "$authenticated",
    unpublish: "$authenticated",
    ...(upstream ? { proxy: "upstream" } : {}),
  };
  return {
    storage: join(root, "storage"),
    auth: { htpasswd: { file: join(root, "htpasswd") } },
    uplinks: upstream ? { upstream: { url: upstream, timeout: "60s", ...(await hostCa()) } } : {},
    packages: { "@*/*": access, "**": access },
    // A publish must not wait on (or be refused because of) an uplink.
    publish: { allow_offline: true },
    web: { enable: false },
    server: { keepAliveTimeout: 60 },
    log: { type: "stdout", format: "json", level: "http" },
  };
}

async function hostRegistry(): Promise<string> {
  const url = (await runChecked("npm", ["config", "get", "registry"])).trim();
  if (!/^https?:\/\//.test(url)) throw new Error(`npm config get registry gave ${JSON.stringify(url)}, not a URL`);
  return url;
}

// The uplink must trust what the host's npm trusts (a cafile replaces the default roots there too).
async function hostCa(): Promise<{ ca?: string }> {
  const cafile = (await runChecked("npm", ["config", "get", "cafile"])).trim();
  if (!cafile || cafile === "null" || cafile === "undefined") return {};
  return { ca: await readFile(cafile, "utf8") };
}

interface Started {
  child: ChildProcess;
  port: number;
}

// The free port is picked before Verdaccio binds it, so another process may win it: try again.
async function startWithRetries(configPath: string, logPath: string, timeoutMs: number): Promise<Started> {
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const child = spawnVerdaccio(configPath, logPath, port);
    const outcome = await waitForStart(child, deadline);
    if (outcome === "started") return { child, port };
    await stopChild(child);
    const log = readFileSync(logPath, "utf8");
    if (outcome === "exited" && log.includes("EADDRINUSE") && attempt < 3) continue;
    const why = outcome === "timeout" ? `did not start within ${timeoutMs} ms` : "exited during start-up";
    throw new Error(`Verdaccio ${why}; its log ends:\n${tail(log)}`);
  }
}

function spawnVerdaccio(configPath: string, logPath: string, port: number): ChildProcess {
  const bin = join(dirname(require.resolve("verdaccio/package.json")), "bin", "verdaccio");
  const fd = openSync(logPath, "a");
  try {
    // A child process of its own: Verdaccio's dependencies (express 4 and more) stay out of ours.
    return fork(bin, ["--config", configPath, "--listen", `127.0.0.1:${port}`], {
      stdio: ["ignore", fd, fd, "ipc"],
      execArgv: [],
    });
  } finally {
    closeSync(fd);
  }
}

// Verdaccio sends {verdaccio_started: true} over IPC once it listens.
function waitForStart(child: ChildProcess, deadline: number): Promise<"started" | "exited" | "timeout"> {
  return new Promise((resolve) => {
    const done = (outcome: "started" | "exited" | "timeout") => {
      clearTimeout(timer);
      child.off("message", onMessage);
      child.off("exit", onExit);
      resolve(outcome);
    };
    const onMessage = (message: unknown) => {
      if (typeof message === "object" && message !== null && "verdaccio_started" in message) done("started");
    };
    const onExit = () => done("exited");
    const timer = setTimeout(() => done("timeout"), Math.max(0, deadline - Date.now()));
    child.on("message", onMessage);
    child.once("exit", onExit);
  });
}

// Verdaccio's htpasswd plugin registers a user on first `adduser` and answers with a token.
async function createUser(url: string): Promise<string> {
  const password = randomBytes(18).toString("base64url");
  const res = await fetch(new URL(`-/user/org.couchdb.user:${USER}`, url), {
    method: "PUT",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ name: USER, password }),
  });
  const body = (await res.json()) as { token?: unknown; error?: unknown };
  if (!res.ok || typeof body.token !== "string") {
    throw new Error(`Verdaccio refused to create user ${USER}: ${res.status} ${JSON.stringify(body)}`);
  }
  return body.token;
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
  await exited;
  clearTimeout(timer);
}
