import { mkdtemp, readFile, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { EnvironmentFiles } from "./environment-files.js";

describe("EnvironmentFiles (host copies of kept environments)", () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(path.join(tmpdir(), "patchbay-env-files-"));
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it("keeps a copy that outlives the job's own snapshot file, under a name safe for any image tag", async () => {
    const files = new EnvironmentFiles(path.join(root, "environments"));
    const snapshot = path.join(root, "env-job.tar");
    await writeFile(snapshot, "state");
    await files.keep(snapshot, "patchbay-env-local:abc/../x");
    await rm(snapshot);
    const copy = await files.existing("patchbay-env-local:abc/../x");
    expect(copy && path.dirname(copy)).toBe(path.join(root, "environments"));
    expect(await readFile(copy!, "utf8")).toBe("state");
    expect(await files.existing("patchbay-env-local:other")).toBeNull();
  });

  it("sweeps copies no row names once they are old enough, and leaves kept and young ones", async () => {
    const files = new EnvironmentFiles(root);
    const snapshot = path.join(root, "snap");
    await writeFile(snapshot, "s");
    for (const image of ["img:kept", "img:gone", "img:young"]) await files.keep(snapshot, image);
    const old = new Date(Date.now() - 3600_000);
    await utimes(files.pathOf("img:gone"), old, old);
    await utimes(files.pathOf("img:kept"), old, old);
    // The two linked names share one inode: give the young one its own file.
    await rm(files.pathOf("img:young"));
    await writeFile(files.pathOf("img:young"), "s");
    await files.removeExcept(new Set(["img:kept"]), 15 * 60_000);
    expect(await files.existing("img:kept")).not.toBeNull();
    expect(await files.existing("img:gone")).toBeNull();
    expect(await files.existing("img:young")).not.toBeNull();
  });
});
