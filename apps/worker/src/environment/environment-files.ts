import { copyFile, link, mkdir, readdir, rm, stat } from "node:fs/promises";
import path from "node:path";

/**
 * Host copies of the environments this worker built, beside their images: a cache hit streams the
 * copy into the warm sandbox it already has instead of starting a container from the image (a
 * cold start). Another worker host has no copy and uses the image.
 */
export class EnvironmentFiles {
  constructor(readonly dir: string) {}

  /** Where the copy of an environment image's state lives. */
  pathOf(image: string): string {
    return path.join(this.dir, `${image.replace(/[^a-zA-Z0-9_.-]/g, "_")}.tar`);
  }

  /** Keeps `tarFile` as the copy of `image` (a hard link when it can: no second write). */
  async keep(tarFile: string, image: string): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const target = this.pathOf(image);
    await rm(target, { force: true });
    await link(tarFile, target).catch(() => copyFile(tarFile, target));
  }

  /** The copy's path when this host has it. */
  async existing(image: string): Promise<string | null> {
    const file = this.pathOf(image);
    return (await stat(file).catch(() => null))?.isFile() ? file : null;
  }

  async remove(image: string): Promise<void> {
    await rm(this.pathOf(image), { force: true });
  }

  /** Removes copies of images not in `kept` that are older than `minAgeMs` (a young one may be mid-keep). */
  async removeExcept(kept: ReadonlySet<string>, minAgeMs: number, now = Date.now()): Promise<void> {
    const names = new Set([...kept].map((image) => path.basename(this.pathOf(image))));
    const entries = await readdir(this.dir).catch(() => [] as string[]);
    for (const name of entries) {
      if (names.has(name) || !name.endsWith(".tar")) continue;
      const file = path.join(this.dir, name);
      const info = await stat(file).catch(() => null);
      if (info && now - info.mtimeMs >= minAgeMs) await rm(file, { force: true });
    }
  }
}
