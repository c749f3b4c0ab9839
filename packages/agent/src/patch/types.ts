/** One line of a hunk: kept (` `), removed (`-`) or added (`+`). */
export interface DiffLine {
  kind: "context" | "remove" | "add";
  text: string;
}

/** One `@@` section of an update. */
export interface UpdateChunk {
  /** `@@ <text>` lines that narrow down where the chunk applies, outermost first. */
  anchors: string[];
  lines: DiffLine[];
  /** Set by `*** End of File`: the chunk must match at the end of the file. */
  isEndOfFile: boolean;
}

/** The lines a chunk expects to find in the file: its context and removed lines. */
export function oldLinesOf(lines: DiffLine[]): string[] {
  return lines.filter((l) => l.kind !== "add").map((l) => l.text);
}

/** One file operation, from either the Codex envelope or an `apply_patch_call` operation. */
export type FileChange =
  | { kind: "add"; path: string; lines: string[] }
  | { kind: "delete"; path: string }
  | { kind: "update"; path: string; moveTo: string | null; chunks: UpdateChunk[] };

/** What a successful patch did, by workspace-relative path. */
export interface PatchResult {
  added: string[];
  modified: string[];
  deleted: string[];
}

/** A patch that could not be parsed or applied; the message is written for the model. */
export class PatchError extends Error {
  /** The workspace-relative path the failure is about, when there is one. */
  readonly path: string | null;

  constructor(message: string, path: string | null = null) {
    super(message);
    this.name = "PatchError";
    this.path = path;
  }
}
