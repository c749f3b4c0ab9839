import type { ReadFileOptions, Workspace } from "@patchbay/core";

/**
 * What planning reads of a checkout: the names in a few folders and some files. A sandbox's
 * workspace is one (readerOf); the worker also reads the host checkout's git index, so a job's
 * plan is known before any sandbox holds the repository.
 */
export interface CheckoutReader {
  /** Names in each folder ("" is the top level; folders end in "/"); a folder that is not there lists nothing. */
  list(folders: readonly string[]): Promise<Map<string, string[]>>;
  /** A file relative to the root; null when absent. With `maxBytes`, at most that many bytes. */
  readFile(path: string, options?: ReadFileOptions): Promise<Buffer | null>;
}

/** Where a plan is read from: a workspace (a sandbox, a local folder) or a CheckoutReader. */
export type PlanSource = Workspace | CheckoutReader;

const LIST_TIMEOUT_MS = 30_000;
const marker = (folder: string) => `--- ${folder}/`;

/** The source as a CheckoutReader; a workspace lists its folders with one command. */
export function readerOf(source: PlanSource): CheckoutReader {
  if (!("exec" in source)) return source;
  return { list: (folders) => listInWorkspace(source, folders), readFile: (p, o) => source.readFile(p, o) };
}

async function listInWorkspace(workspace: Workspace, folders: readonly string[]): Promise<Map<string, string[]>> {
  const nested = folders.filter((f) => f !== "");
  // One round trip for the listing: each exec in a container costs tens of milliseconds.
  const script = [
    "ls -1Ap 2>/dev/null",
    ...nested.map((f) => `echo '${marker(f)}'; [ -d ${f} ] && ls -1Ap ${f} 2>/dev/null`),
    "true",
  ].join("; ");
  const listing = await workspace.exec(script, { timeoutMs: LIST_TIMEOUT_MS });
  const sections = new Map<string, string[]>([["", []]]);
  let current = "";
  for (const line of listing.stdout.split("\n").filter((l) => l !== "")) {
    const folder = nested.find((f) => line === marker(f));
    if (folder !== undefined) {
      current = folder;
      sections.set(current, []);
    } else sections.get(current)!.push(line);
  }
  return sections;
}
