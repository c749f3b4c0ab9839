import { PatchbayError, type Workspace } from "@patchbay/core";
import { parseDocument } from "yaml";
import { z } from "zod";

/** The repository's own check configuration file, at the checkout's root. */
export const CONFIG_FILE = ".patchbay.yml";

const command = z.string().trim().min(1, "may not be empty").max(4000);
const seconds = z
  .number()
  .int()
  .min(1)
  .max(24 * 3600);
const oneOrMany = z.union([command, z.array(command).max(50)]).transform((v) => (typeof v === "string" ? [v] : v));
const relativePath = z
  .string()
  .trim()
  .min(1)
  .max(500)
  .refine((p) => !p.startsWith("/") && !p.split("/").includes(".."), "must be a path inside the repository");

/** What `.patchbay.yml` may say; unknown keys are errors so a typo is not silently ignored. */
export const RepoConfigSchema = z
  .object({
    /** Commands that install what the checks need (run once, before the baseline). */
    setup: oneOrMany.optional(),
    /** Run when a cached environment is restored (offline, no secrets): e.g. a build step setup's cache does not cover. */
    maintenance: oneOrMany.optional(),
    test: command.optional(),
    lint: command.optional(),
    /** Run the after-checks against the original test files and drop the agent's changes to them. */
    protectTests: z.boolean().optional(),
    /** Which files are tests (replaces the defaults). */
    testGlobs: z.array(z.string().trim().min(1).max(500)).min(1).max(200).optional(),
    /** JUnit XML report(s) the test command writes: files or folders of *.xml. */
    junit: z
      .union([relativePath, z.array(relativePath).min(1).max(20)])
      .transform((v) => (typeof v === "string" ? [v] : v))
      .optional(),
    /** Per-command time limits in seconds. */
    timeouts: z
      .object({ setup: seconds.optional(), test: seconds.optional(), lint: seconds.optional() })
      .strict()
      .optional(),
  })
  .strict();

export type RepoConfig = z.output<typeof RepoConfigSchema>;

/** The largest .patchbay.yml read: a repository's file must not cost the worker its memory. */
export const MAX_CONFIG_BYTES = 256 * 1024;

/**
 * Reads and validates `.patchbay.yml`; null when the repository has none. A file that is not
 * valid YAML or breaks the schema ends the job as `invalid_config` with every problem named.
 */
export async function loadRepoConfig(workspace: Pick<Workspace, "readFile">): Promise<RepoConfig | null> {
  const raw = await workspace.readFile(CONFIG_FILE, { maxBytes: MAX_CONFIG_BYTES + 1 });
  if (raw === null) return null;
  if (raw.length > MAX_CONFIG_BYTES) throw invalid(`is larger than ${MAX_CONFIG_BYTES} bytes`);
  return parseRepoConfig(raw.toString("utf8"));
}

/** Parses the text of a `.patchbay.yml` (see loadRepoConfig). */
export function parseRepoConfig(text: string): RepoConfig {
  const doc = parseDocument(text, { prettyErrors: true });
  if (doc.errors.length > 0) {
    const first = doc.errors[0]!;
    throw invalid(`is not valid YAML: ${first.message.split("\n")[0]}`);
  }
  const value: unknown = doc.toJS() ?? {};
  const parsed = RepoConfigSchema.safeParse(value);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join(".") || "(top level)"}: ${i.message}`);
    throw invalid(`is not valid: ${problems.join("; ")}`);
  }
  return parsed.data;
}

function invalid(why: string): PatchbayError {
  return new PatchbayError(
    "invalid_config",
    `${CONFIG_FILE} ${why}. Allowed keys: setup, maintenance, test, lint, protectTests, testGlobs, junit, timeouts {setup, test, lint} (seconds).`,
  );
}
