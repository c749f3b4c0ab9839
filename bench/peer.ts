/**
 * The peer of `npm run bench -- e2e`: the same task and scripted trajectory through OpenAI's
 * Codex CLI as a team would run it in CI — a fresh container per run (our sandbox image,
 * `--network none`), the repository copied in, `codex exec --json` against the scripted model
 * (reached through a unix socket, as our codex engine reaches it), then the same checks.
 */
import { spawn } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { codexConfigToml } from "../apps/worker/src/engines/codex/codex-config.js";
import { CODEX_SANDBOX_PATHS } from "../apps/worker/src/engines/codex/paths.js";
import { archiveInto, dockerExec } from "./e2e-floor.js";

/** One peer run (ms): to a checked result, and the container's removal after it. */
export interface PeerSample {
  /** docker run → the last check finished. */
  totalMs: number;
  start: number;
  copy: number;
  codex: number;
  checks: number;
  remove: number;
}

/** What the peer needs on the host: the Codex install, the bridge binary, the model's address. */
export interface PeerSetup {
  image: string;
  codexDir: string;
  bridgePath: string;
  /** The scripted model server, `http://127.0.0.1:<port>/v1`. */
  modelUrl: string;
  model: string;
}

/** A unix socket on the host relaying each connection to the scripted model server's port. */
export class SocketRelay {
  readonly dir = mkdtempSync(path.join(tmpdir(), "patchbay-bench-peer-"));
  readonly socket = path.join(this.dir, "model.sock");
  private readonly server: net.Server;

  constructor(port: number) {
    chmodSync(this.dir, 0o755);
    this.server = net.createServer((conn) => {
      const up = net.connect(port, "127.0.0.1");
      conn.pipe(up).pipe(conn);
      const end = () => {
        conn.destroy();
        up.destroy();
      };
      conn.on("error", end);
      up.on("error", end);
    });
  }

  async listen(): Promise<void> {
    await new Promise<void>((r) => this.server.listen(this.socket, r));
    chmodSync(this.socket, 0o666);
  }

  async close(): Promise<void> {
    await new Promise((r) => this.server.close(r));
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function docker(args: string[], stdin?: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn("docker", args, { stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin ?? "");
  });
}

/** The shell script a CI step would run in the container: Codex's config, the bridge, `codex exec`. */
function codexScript(setup: PeerSetup, task: string): string {
  const { home, bridge, binary, pathDir, socketDir, port } = CODEX_SANDBOX_PATHS;
  const config = codexConfigToml({ model: setup.model, baseUrl: `http://127.0.0.1:${port}/v1`, retries: 1 });
  const b64 = (text: string) => Buffer.from(text, "utf8").toString("base64");
  return [
    `mkdir -p ${home}`,
    `printf '%s' '${b64(config)}' | base64 -d > ${home}/config.toml`,
    `${bridge} --daemon 127.0.0.1:${port} ${socketDir}/model.sock`,
    `printf '%s' '${b64(task)}' | CODEX_HOME=${home} PATH=${pathDir}:$PATH ${binary} exec --json --skip-git-repo-check --color never -C /workspace -`,
  ].join(" && ");
}

/** One CI-style run: fresh container, repository copied in, codex exec, the checks; then removal. */
export async function peerRun(
  setup: PeerSetup,
  relay: SocketRelay,
  repoDir: string,
  task: string,
  checks: string[],
): Promise<PeerSample> {
  const t0 = performance.now();
  const { installDir, bridge, socketDir } = CODEX_SANDBOX_PATHS;
  const started = await docker([
    "run",
    "-d",
    "--rm",
    "--network",
    "none",
    "--label",
    "patchbay.bench=1",
    "-v",
    `${setup.codexDir}:${installDir}:ro`,
    "-v",
    `${setup.bridgePath}:${bridge}:ro`,
    "-v",
    `${relay.dir}:${socketDir}:ro`,
    setup.image,
  ]);
  if (started.code !== 0) throw new Error(`docker run failed: ${started.stderr}`);
  const id = started.stdout.trim();
  const t1 = performance.now();
  try {
    await archiveInto(repoDir, id);
    const t2 = performance.now();
    const codex = await docker(["exec", "-i", "-w", "/workspace", id, "sh", "-c", codexScript(setup, task)]);
    if (codex.code !== 0 || !codex.stdout.includes('"turn.completed"')) {
      throw new Error(`codex exec failed (${codex.code}): ${codex.stderr.slice(-2000)} ${codex.stdout.slice(-2000)}`);
    }
    const t3 = performance.now();
    for (const c of checks) await dockerExec(id, c);
    const t4 = performance.now();
    const verify = await docker(["exec", "-w", "/workspace", id, "sh", "-c", checks[0] ?? "true"]);
    if (verify.code !== 0)
      throw new Error(`the peer's change does not pass ${checks[0]}: ${verify.stdout.slice(-1000)}`);
    const t5 = performance.now();
    await docker(["rm", "-f", id]);
    return {
      totalMs: t4 - t0,
      start: t1 - t0,
      copy: t2 - t1,
      codex: t3 - t2,
      checks: t4 - t3,
      remove: performance.now() - t5,
    };
  } catch (err) {
    await docker(["rm", "-f", id]);
    throw err;
  }
}
