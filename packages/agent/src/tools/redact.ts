import type { ExecOptions, ExecResult, Workspace } from "@patchbay/core";

/** Takes secrets out of a text the model or an event is about to see. */
export type RedactText = (text: string) => string;

/** A copy of a JSON-like value with `redact` applied to every string in it (keys left as they are). */
export function redactStrings<T>(value: T, redact: RedactText): T {
  if (typeof value === "string") return redact(value) as T;
  if (Array.isArray(value)) return value.map((v: unknown) => redactStrings(v, redact)) as T;
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactStrings(v, redact)])) as T;
  }
  return value;
}

/**
 * The workspace the tools use: command output is redacted as it comes back, before it is cut
 * to size (so a secret is never half-kept at the cut). Files are read and written unchanged:
 * the agent's edits must apply to the real content.
 */
export function redactingWorkspace(workspace: Workspace, redact: RedactText): Workspace {
  return {
    root: workspace.root,
    exec: async (command: string, options?: ExecOptions): Promise<ExecResult> => {
      const result = await workspace.exec(command, options);
      return { ...result, stdout: redact(result.stdout), stderr: redact(result.stderr) };
    },
    readFile: (path) => workspace.readFile(path),
    writeFile: (path, content) => workspace.writeFile(path, content),
    deleteFile: (path) => workspace.deleteFile(path),
  };
}
