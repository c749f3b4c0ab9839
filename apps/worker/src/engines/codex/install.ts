import { execFile } from "node:child_process";
import { access, chmod, mkdir, mkdtemp, readdir, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { PatchbayError } from "@patchbay/core";

const run = promisify(execFile);

/** The Codex CLI unpacked on the worker host, ready to be bind-mounted read-only into a sandbox. */
export interface CodexInstall {
  version: string;
  /** Host folder holding `bin/codex` and `codex-path/` (rg). */
  dir: string;
}

/** The npm platform package of `@openai/codex` and the Rust target inside it, per host architecture. */
const TARGETS: Record<string, { suffix: string; triple: string }> = {
  x64: { suffix: "linux-x64", triple: "x86_64-unknown-linux-musl" },
  arm64: { suffix: "linux-arm64", triple: "aarch64-unknown-linux-musl" },
};

const pending = new Map<string, Promise<CodexInstall>>();

/**
 * The Codex CLI of `version` in `<cacheRoot>/<version>-<triple>`: fetched once per version with
 * the host's own `npm pack` (so the registry and CA bundle npm is configured with apply), and
 * reused by every later job. The binary is static (musl), so it runs in any image a job names.
 */
export function ensureCodex(cacheRoot: string, version: string, arch: string = process.arch): Promise<CodexInstall> {
  const target = TARGETS[arch];
  if (!target) {
    return Promise.reject(new PatchbayError("engine_failed", `the Codex CLI has no Linux build for ${arch}`));
  }
  const dir = path.join(path.resolve(cacheRoot), `${version}-${target.triple}`);
  let install = pending.get(dir);
  if (!install) {
    install = installOnce(dir, version, target).finally(() => pending.delete(dir));
    pending.set(dir, install);
  }
  return install;
}

async function installOnce(dir: string, version: string, target: { suffix: string; triple: string }) {
  const binary = path.join(dir, "bin", "codex");
  if (await exists(binary)) return { version, dir };
  await mkdir(path.dirname(dir), { recursive: true });
  const work = await mkdtemp(`${dir}.part-`);
  try {
    const spec = `@openai/codex@${version}-${target.suffix}`;
    await run("npm", ["pack", "--silent", "--pack-destination", work, spec], {
      cwd: work,
      timeout: 10 * 60_000,
      maxBuffer: 1024 * 1024,
    }).catch((err: unknown) => {
      throw new PatchbayError("engine_failed", `npm pack ${spec} failed: ${stderrOf(err)}`, { cause: err });
    });
    const tgz = (await readdir(work)).find((f) => f.endsWith(".tgz"));
    if (!tgz) throw new PatchbayError("engine_failed", `npm pack ${spec} wrote no package`);
    // Only the CLI and its PATH helpers: the platform package also carries voice and GUI parts.
    const vendor = `package/vendor/${target.triple}`;
    await run("tar", ["-xzf", tgz, `${vendor}/bin`, `${vendor}/codex-path`, `${vendor}/codex-package.json`], {
      cwd: work,
      timeout: 5 * 60_000,
    });
    const unpacked = path.join(work, vendor);
    await chmod(path.join(unpacked, "bin", "codex"), 0o755);
    await writeFile(path.join(unpacked, "VERSION"), `${version}\n`);
    // Another worker on this host may have finished first: its copy is as good as ours.
    await rename(unpacked, dir).catch(async (err: unknown) => {
      if (!(await exists(binary))) throw err;
    });
    return { version, dir };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}

function stderrOf(err: unknown): string {
  const stderr = (err as { stderr?: unknown }).stderr;
  const text = typeof stderr === "string" && stderr.trim() !== "" ? stderr : String(err);
  return text.trim().slice(-2000);
}
