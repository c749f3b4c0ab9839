import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { loadConfig } from "@patchbay/config";
import { createDb, EnvironmentRepository, ProjectRepository } from "@patchbay/db";
import { DockerEnvironmentImages } from "@patchbay/sandbox";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ENV_IMAGE_LABEL,
  type EnvironmentCacheDeps,
  environmentImage,
  evictEnvironments,
} from "./environment-cache.js";
import { EnvironmentFiles } from "./environment-files.js";

const config = loadConfig();
const db = createDb(config.DATABASE_URL, { max: 2 });
const run = randomBytes(4).toString("hex");
// An installation and a project of this test alone: the orphan sweep only touches this installation's images.
const installationId = `test-evict-${run}`;
const projectId = `evict-${run}`;
const environments = new EnvironmentRepository(db);
const images = new DockerEnvironmentImages();
const HOUR = 3_600_000;
let dir: string;
let deps: EnvironmentCacheDeps;

/**
 * An environment image of `key` as eviction sees one (labelled for this installation), with its host
 * copy. Every key gets the same image under its own tag, as environments whose setups left the same
 * files do.
 */
async function build(key: string): Promise<string> {
  const image = environmentImage(installationId, key);
  execFileSync("docker", ["build", "-q", "-t", image, "--label", `${ENV_IMAGE_LABEL}=${installationId}`, "-"], {
    input: `FROM ${config.PATCHBAY_SANDBOX_IMAGE}\n`,
    env: { ...process.env, DOCKER_BUILDKIT: "0" },
    stdio: ["pipe", "ignore", "pipe"],
  });
  const copy = path.join(dir, `${key}-state.tar`);
  writeFileSync(copy, Buffer.alloc(10_240));
  await deps.files?.keep(copy, image);
  return image;
}

/** Stores the row of an environment that expires `expiresInMs` from now. */
async function save(key: string, image: string, expiresInMs: number): Promise<void> {
  await environments.save({
    projectId,
    key,
    image,
    baseImage: "sha256:test",
    repoUrl: "https://git.example.com/evict.git",
    sizeBytes: 10_240,
    buildMs: 1,
    expiresAt: new Date(Date.now() + expiresInMs),
  });
}

/** Whether the engine has the image, the host its copy and Postgres its row. */
async function present(key: string, image: string) {
  return {
    image: (await images.imageId(image)) !== null,
    copy: existsSync(deps.files?.pathOf(image) ?? ""),
    row: (await environments.list(projectId)).some((e) => e.key === key),
  };
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "patchbay-evict-"));
  deps = {
    environments,
    images,
    maxBytes: Number.MAX_SAFE_INTEGER,
    installationId,
    logger: pino({ level: "silent" }),
    files: new EnvironmentFiles(path.join(dir, "files")),
  };
  await new ProjectRepository(db).ensure(projectId);
});

afterAll(async () => {
  await environments.remove(projectId);
  for (const image of await images.listImages({ [ENV_IMAGE_LABEL]: installationId }))
    for (const tag of image.tags) await images.remove(tag);
  await db.project.delete({ where: { id: projectId } }).catch(() => undefined);
  await db.$disconnect();
  rmSync(dir, { recursive: true, force: true });
});

describe("evicting cached environments on a real engine", () => {
  it("drops an expired environment's row, image and host copy, and leaves a live one whole", async () => {
    const [live, expired] = [await build("live"), await build("expired")];
    await save("live", live, 12 * HOUR);
    await save("expired", expired, -60_000);

    await evictEnvironments(deps);

    expect(await present("expired", expired)).toEqual({ image: false, copy: false, row: false });
    expect(await present("live", live)).toEqual({ image: true, copy: true, row: true });
  });

  it("removes an image and copy no row names (deleted over the API) once they are old enough, never a young one", async () => {
    const orphan = await build("orphan");
    const live = environmentImage(installationId, "live");

    // Just built: it may belong to an environment whose row is about to be written.
    await evictEnvironments(deps);
    expect(await present("orphan", orphan)).toEqual({ image: true, copy: true, row: false });

    await evictEnvironments(deps, new Date(Date.now() + 20 * 60_000));
    expect(await present("orphan", orphan)).toEqual({ image: false, copy: false, row: false });
    expect(await present("live", live)).toEqual({ image: true, copy: true, row: true });
  });
});
