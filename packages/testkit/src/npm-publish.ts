import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { z } from "zod";
import { runChecked } from "./child.js";

// A relative path that stays inside the package folder.
const RelativePath = z
  .string()
  .min(1)
  .refine((p) => !p.startsWith("/") && !p.split(/[\\/]/).includes(".."), "must be relative, without ..");

/** A package to publish: its files by relative path; package.json is generated (or merged into). */
export const NpmPackageSpecSchema = z.object({
  name: z.string().regex(/^(@[a-z0-9][\w.-]*\/)?[a-z0-9][\w.-]*$/, "not a valid npm package name"),
  version: z.string().regex(/^\d+\.\d+\.\d+(-[\w.-]+)?$/, "not a semver version"),
  files: z.record(RelativePath, z.string()),
  dependencies: z.record(z.string(), z.string()).optional(),
});

/** A package to publish; see {@link NpmPackageSpecSchema}. */
export type NpmPackageSpec = z.input<typeof NpmPackageSpecSchema>;

/** Where and as whom `npm publish` runs. */
export interface PublishTarget {
  registryUrl: string;
  /** An npmrc holding the registry's auth token. */
  userconfig: string;
  /** npm's cache folder for these publishes. */
  cache: string;
  /** Scratch space; package folders are made and removed under it. */
  workDir: string;
}

/** Publishes each package with a real `npm publish --registry`, one after the other (order matters for tags). */
export async function publishPackages(target: PublishTarget, specs: NpmPackageSpec[]): Promise<void> {
  for (const input of specs) {
    const spec = NpmPackageSpecSchema.parse(input);
    const dir = await mkdtemp(join(target.workDir, "pkg-"));
    try {
      await writePackage(dir, spec);
      // The folder is named explicitly: an npm_config_local_prefix inherited from an outer
      // `npm run` would otherwise make npm publish that project instead.
      await runChecked("npm", [
        "publish",
        dir,
        "--registry",
        target.registryUrl,
        "--userconfig",
        target.userconfig,
        "--cache",
        target.cache,
        "--ignore-scripts",
        "--access",
        "public",
        "--no-audit",
        "--no-fund",
        "--loglevel",
        "warn",
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
}

async function writePackage(dir: string, spec: z.output<typeof NpmPackageSpecSchema>): Promise<void> {
  const given = spec.files["package.json"];
  const manifest: Record<string, unknown> = given ? (JSON.parse(given) as Record<string, unknown>) : {};
  manifest.name = spec.name;
  manifest.version = spec.version;
  if (spec.dependencies) manifest.dependencies = spec.dependencies;
  if (manifest.main === undefined && spec.files["index.js"] !== undefined) manifest.main = "index.js";
  const files = { ...spec.files, "package.json": `${JSON.stringify(manifest, null, 2)}\n` };
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), content);
  }
}
