import { spawn } from "node:child_process";
import { link, mkdtemp, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Readable } from "node:stream";
import { PatchbayError } from "@patchbay/core";
import Dockerode from "dockerode";
import { engineCall, isNotFound } from "./errors.js";

/** Where an environment image keeps the saved state (a tar of the workspace's setup output and home). */
export const ENV_TAR_PATH = "/opt/patchbay-env/env.tar";

/** What a built environment image weighs. */
export interface BuiltImage {
  image: string;
  /** Size of the saved state (the layer the image adds to its base). */
  sizeBytes: number;
}

/**
 * Environment images and dependency-cache volumes on a Docker engine. Images and volumes live
 * on the engine the sandboxes run on, so remote engines (DOCKER_HOST) work the same way.
 */
export class DockerEnvironmentImages {
  private readonly docker: Dockerode;

  constructor(docker?: Dockerode) {
    this.docker = docker ?? new Dockerode();
  }

  /** The engine's id of an image (`sha256:…`), or null when it is not there. */
  async imageId(ref: string): Promise<string | null> {
    try {
      const info = await this.docker.getImage(ref).inspect();
      return info.Id;
    } catch (err) {
      if (isNotFound(err)) return null;
      throw new PatchbayError("sandbox_failed", `inspecting image ${ref} failed: ${String(err)}`, { cause: err });
    }
  }

  /**
   * Builds `tag` from `base` plus one layer holding `tarFile` at ENV_TAR_PATH. No RUN step: the
   * build executes nothing, so it needs no network and runs no repository code.
   */
  async build(options: { base: string; tarFile: string; tag: string; labels: Record<string, string> }): Promise<void> {
    const context = await mkdtemp(path.join(path.dirname(options.tarFile), "env-context-"));
    try {
      await link(options.tarFile, path.join(context, "env.tar"));
      await writeFile(
        path.join(context, "Dockerfile"),
        `FROM ${options.base}\nCOPY --chown=1000:1000 env.tar ${ENV_TAR_PATH}\n`,
      );
      const packed = tarOf(context);
      const built = engineCall("image build", () =>
        this.docker.buildImage(packed.stream, {
          t: options.tag,
          labels: options.labels,
          networkmode: "none",
          rm: true,
          forcerm: true,
        }),
      ).then((stream) => followBuild(this.docker, stream));
      await built.catch((err: unknown) => {
        // Sent short, the context only makes the engine say it found no Dockerfile: tar says why.
        const failed = packed.failure();
        throw failed ? new PatchbayError("sandbox_failed", `packing the build context failed: ${failed}`) : err;
      });
    } finally {
      await rm(context, { recursive: true, force: true });
    }
  }

  /** Removes an image; false when it was not there. */
  async remove(ref: string): Promise<boolean> {
    try {
      await this.docker.getImage(ref).remove({ force: true });
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw new PatchbayError("sandbox_failed", `removing image ${ref} failed: ${String(err)}`, { cause: err });
    }
  }

  /** Images carrying every label given (`key=value`). */
  async listImages(labels: Record<string, string>): Promise<Array<{ id: string; tags: string[]; createdAt: Date }>> {
    const filters = { label: Object.entries(labels).map(([k, v]) => `${k}=${v}`) };
    const images = await engineCall("image list", () => this.docker.listImages({ filters }));
    return images.map((i) => ({ id: i.Id, tags: i.RepoTags ?? [], createdAt: new Date(i.Created * 1000) }));
  }
}

/**
 * A tar of a host folder, following the hard-linked state file (the build context), and what
 * went wrong with tar if anything did (read after the build ended).
 */
function tarOf(dir: string): { stream: Readable; failure: () => string | undefined } {
  const child = spawn("tar", ["-C", dir, "-c", "-f", "-", "."], { stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  let failure: string | undefined;
  child.stderr.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString("utf8")).slice(-500);
  });
  child.on("error", (err) => {
    failure = err.message;
  });
  child.on("close", (code) => {
    if (code !== 0) failure ??= `tar exited ${code}: ${stderr.trim()}`;
  });
  return { stream: child.stdout, failure: () => failure };
}

function followBuild(docker: Dockerode, stream: NodeJS.ReadableStream): Promise<void> {
  return new Promise((resolve, reject) => {
    docker.modem.followProgress(stream, (err: Error | null, output: Array<{ error?: string }>) => {
      const failed = err?.message ?? output.find((o) => o.error)?.error;
      if (failed) reject(new PatchbayError("sandbox_failed", `environment image build failed: ${failed}`));
      else resolve();
    });
  });
}
