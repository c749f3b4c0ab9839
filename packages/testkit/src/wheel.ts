import { createHash } from "node:crypto";
import { z } from "zod";
import { writeZip } from "./zip.js";

const RelativePath = z
  .string()
  .min(1)
  .refine((p) => !p.startsWith("/") && !p.split(/[\\/]/).includes(".."), "must be relative, without ..");

/** A pure-Python distribution: its files by path inside site-packages (e.g. `pkg/__init__.py`). */
export const PythonPackageSpecSchema = z.object({
  name: z.string().regex(/^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$/, "not a valid Python project name"),
  version: z.string().regex(/^\d+(\.\d+)*((a|b|rc)\d+)?(\.post\d+)?(\.dev\d+)?$/, "not a plain PEP 440 version"),
  modules: z.record(RelativePath, z.string()),
  /** Requirement strings for Requires-Dist, e.g. `"other>=1.0"`. */
  dependencies: z.array(z.string().min(1)).optional(),
});

/** A distribution to build; see {@link PythonPackageSpecSchema}. */
export type PythonPackageSpec = z.input<typeof PythonPackageSpecSchema>;

/** A built wheel. */
export interface BuiltWheel {
  /** The PEP 503 normalized project name (`My_Pkg` → `my-pkg`). */
  project: string;
  filename: string;
  bytes: Buffer;
  /** Hex SHA-256 of the bytes, as index pages carry it. */
  sha256: string;
}

/** PEP 503 name normalization. */
export function normalizeProjectName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, "-");
}

/** Builds a `py3-none-any` wheel with METADATA, WHEEL and RECORD, as pip installs it. */
export function buildWheel(input: PythonPackageSpec): BuiltWheel {
  const spec = PythonPackageSpecSchema.parse(input);
  const project = normalizeProjectName(spec.name);
  const stem = `${project.replace(/-/g, "_")}-${spec.version}`;
  const distInfo = `${stem}.dist-info`;
  const files: Array<[string, string]> = [
    ...Object.entries(spec.modules),
    [`${distInfo}/METADATA`, metadata(spec.name, spec.version, spec.dependencies ?? [])],
    [
      `${distInfo}/WHEEL`,
      "Wheel-Version: 1.0\nGenerator: patchbay-testkit\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    ],
  ];
  const record = [...files.map(([path, content]) => recordLine(path, content)), `${distInfo}/RECORD,,`].join("\n");
  files.push([`${distInfo}/RECORD`, `${record}\n`]);
  const bytes = writeZip(files.map(([path, content]) => ({ path, content })));
  return {
    project,
    filename: `${stem}-py3-none-any.whl`,
    bytes,
    sha256: createHash("sha256").update(bytes).digest("hex"),
  };
}

function metadata(name: string, version: string, dependencies: string[]): string {
  const lines = ["Metadata-Version: 2.1", `Name: ${name}`, `Version: ${version}`];
  for (const dependency of dependencies) lines.push(`Requires-Dist: ${dependency}`);
  return `${lines.join("\n")}\n`;
}

// RECORD hashes are urlsafe base64 without padding (PEP 376 / the wheel spec).
function recordLine(path: string, content: string): string {
  const data = Buffer.from(content, "utf8");
  const digest = createHash("sha256").update(data).digest("base64url");
  return `${path},sha256=${digest},${data.length}`;
}
