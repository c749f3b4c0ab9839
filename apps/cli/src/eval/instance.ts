import { readFileSync } from "node:fs";
import path from "node:path";
import { z } from "zod";
import { CliError } from "../api-client.js";

const testNames = z.array(z.string().min(1)).max(5000);

/**
 * One evaluation instance (SWE-bench style): a repository at a commit, a problem statement the
 * agent sees, and hidden tests it never sees. `goldPatch` is the known fix, used only to
 * validate the harness (it is never sent to the agent).
 */
export const EvalInstanceSchema = z
  .object({
    /** Unique in the file; names the result file in the run folder. */
    id: z
      .string()
      .min(1)
      .max(120)
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, "id may hold letters, digits, '.', '_' and '-' (it names a file)"),
    repository: z
      .object({
        /** The git URL: cloned by the worker, or only the origin's name when `bundle` or `path` is given. */
        url: z.string().min(1).max(2000),
        /** A git bundle (relative to the instances file) uploaded as the job's source. */
        bundle: z.string().min(1).optional(),
        /** A local git checkout (relative to the instances file) bundled and uploaded, as `submit --upload` does. */
        path: z.string().min(1).optional(),
      })
      .strict()
      .refine((r) => !(r.bundle && r.path), { message: "repository takes bundle or path, not both" }),
    /** The commit the agent starts from. */
    baseCommit: z.string().regex(/^[0-9a-f]{7,64}$/i, "baseCommit must be a hex commit id"),
    /** The task the agent is given. */
    problemStatement: z.string().trim().min(1).max(32_000),
    /** Setup commands (the JobSpec's setup); absent: none — the sandbox image as it is. */
    setup: z.array(z.string().min(1)).max(50).optional(),
    /** Runs the tests, verbosely enough that passing tests are named (pytest -v, unittest -v, node --test). */
    test: z.string().trim().min(1).max(4000),
    /** A unified diff adding the regression tests; applied only after the agent finished. */
    testPatch: z.string().max(512 * 1024),
    /** Tests that fail at baseCommit and pass with the fix. */
    failToPass: testNames.min(1, "failToPass must name at least one test"),
    /** Tests that pass at baseCommit and must keep passing. */
    passToPass: testNames.default([]),
    /** The known fix (harness validation only; never sent to the agent). */
    goldPatch: z.string().optional(),
    /** Where the instance came from (free-form: upstream repository, fix commit, licence, runner). */
    reference: z.record(z.string(), z.string()).optional(),
  })
  .strict();

export type EvalInstance = z.output<typeof EvalInstanceSchema>;
export type EvalInstanceInput = z.input<typeof EvalInstanceSchema>;

/** An instances file: `{"instances": [...]}` or a bare array. */
export const EvalInstancesFileSchema = z.object({ instances: z.array(EvalInstanceSchema) }).strict();

/** An instance with its repository paths made absolute. */
export type LoadedInstance = EvalInstance & { repository: { url: string; bundle?: string; path?: string } };

/** Reads and validates an instances file; bundle and path become absolute (relative to the file). */
export function loadInstances(file: string): LoadedInstance[] {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (err) {
    throw new CliError(`cannot read instances from ${file}: ${(err as Error).message}`);
  }
  // A bare array is read as {instances: [...]}, so that a problem is named by its instance's index.
  const parsed = EvalInstancesFileSchema.safeParse(Array.isArray(raw) ? { instances: raw } : raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map(
      (i) => `${i.path.join(".").replace(/^instances\./, "") || "(file)"}: ${i.message}`,
    );
    throw new CliError(`${file} is not an instances file:\n  ${issues.slice(0, 20).join("\n  ")}`);
  }
  const seen = new Set<string>();
  const dir = path.dirname(path.resolve(file));
  return parsed.data.instances.map((instance) => {
    if (seen.has(instance.id)) throw new CliError(`${file}: instance id ${instance.id} appears twice`);
    seen.add(instance.id);
    const { bundle, path: local } = instance.repository;
    return {
      ...instance,
      repository: {
        url: instance.repository.url,
        ...(bundle ? { bundle: path.resolve(dir, bundle) } : {}),
        ...(local ? { path: path.resolve(dir, local) } : {}),
      },
    };
  });
}
