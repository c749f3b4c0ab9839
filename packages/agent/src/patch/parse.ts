import { type DiffLine, type FileChange, PatchError, type UpdateChunk } from "./types.js";

const BEGIN_PATCH = "*** Begin Patch";
const END_PATCH = "*** End Patch";
const ADD_FILE = "*** Add File: ";
const DELETE_FILE = "*** Delete File: ";
const UPDATE_FILE = "*** Update File: ";
const MOVE_TO = "*** Move to: ";
const END_OF_FILE = "*** End of File";
// `@@ -12,7 +12,8 @@ fn name` from a unified diff: the numbers mean nothing here, the tail is context.
const UNIFIED_RANGE = /^-\d+(?:,\d+)? \+\d+(?:,\d+)? @@ ?/;
// Models sometimes wrap the envelope in the heredoc they would have used in a shell.
const HEREDOC_START = /^<<\s*['"]?EOF['"]?$/;

/** Splits patch text into lines, dropping CRs and the empty tail after a final newline. */
export function splitLines(text: string): string[] {
  const lines = text.split("\n").map((line) => (line.endsWith("\r") ? line.slice(0, -1) : line));
  if (lines.at(-1) === "") lines.pop();
  return lines;
}

/** Parses a Codex `*** Begin Patch` … `*** End Patch` envelope into file changes. */
export function parsePatch(text: string): FileChange[] {
  const lines = envelopeBody(splitLines(text.trim()));
  const changes: FileChange[] = [];
  let i = 0;
  while (i < lines.length) {
    if ((lines[i] ?? "").trim() === "") {
      i++;
      continue;
    }
    const [change, next] = parseFileSection(lines, i);
    changes.push(change);
    i = next;
  }
  if (changes.length === 0) throw new PatchError("The patch contains no file operations.");
  return changes;
}

/** Parses the `diff` of an `update_file` operation (the body of an Update File section). */
export function parseUpdateDiff(diff: string): UpdateChunk[] {
  const lines = splitLines(diff);
  const [chunks, next] = parseChunks(lines, 0);
  if (next < lines.length) throw unexpectedLine(lines[next] ?? "", next);
  if (chunks.length === 0) throw new PatchError("The update_file diff is empty.");
  return chunks;
}

/** Parses the `diff` of a `create_file` operation: every line is `+` and the file's content. */
export function parseCreateDiff(diff: string): string[] {
  const lines = splitLines(diff);
  return lines.map((line, i) => {
    if (line.startsWith("+")) return line.slice(1);
    // A bare empty line is a blank line whose `+` got lost; anything else is a mistake.
    if (line === "") return "";
    throw new PatchError(`Line ${i + 1} of the create_file diff does not start with '+': '${line}'`);
  });
}

function envelopeBody(lines: string[]): string[] {
  let body = lines;
  const first = body[0]?.trim() ?? "";
  if (HEREDOC_START.test(first) && body.length >= 4 && (body.at(-1) ?? "").trim().endsWith("EOF")) {
    body = body.slice(1, -1);
  }
  if ((body[0] ?? "").trim() !== BEGIN_PATCH) {
    throw new PatchError(`The first line of the patch must be '${BEGIN_PATCH}'.`);
  }
  if (body.length < 2 || (body.at(-1) ?? "").trim() !== END_PATCH) {
    throw new PatchError(`The last line of the patch must be '${END_PATCH}'.`);
  }
  return body.slice(1, -1);
}

function parseFileSection(lines: string[], at: number): [FileChange, number] {
  const header = (lines[at] ?? "").trim();
  if (header.startsWith(ADD_FILE)) return parseAddSection(lines, at, header.slice(ADD_FILE.length).trim());
  if (header.startsWith(DELETE_FILE)) {
    return [{ kind: "delete", path: header.slice(DELETE_FILE.length).trim() }, at + 1];
  }
  if (header.startsWith(UPDATE_FILE)) return parseUpdateSection(lines, at, header.slice(UPDATE_FILE.length).trim());
  throw new PatchError(
    `Line ${at + 2} of the patch, '${header}', is not a file header. Valid headers: ` +
      `'${ADD_FILE}<path>', '${DELETE_FILE}<path>', '${UPDATE_FILE}<path>'.`,
  );
}

function parseAddSection(lines: string[], at: number, path: string): [FileChange, number] {
  let end = at + 1;
  while (end < lines.length && ((lines[end] ?? "").startsWith("+") || lines[end] === "")) end++;
  const body = lines.slice(at + 1, end);
  // Blank lines before the next header separate sections; they are not file content.
  while (body.at(-1) === "") body.pop();
  const content = body.map((line) => line.slice(1));
  return [{ kind: "add", path, lines: content }, at + 1 + body.length];
}

function parseUpdateSection(lines: string[], at: number, path: string): [FileChange, number] {
  let next = at + 1;
  let moveTo: string | null = null;
  const moveLine = (lines[next] ?? "").trim();
  if (moveLine.startsWith(MOVE_TO)) {
    moveTo = moveLine.slice(MOVE_TO.length).trim();
    next++;
  }
  const [chunks, end] = parseChunks(lines, next);
  if (chunks.length === 0) throw new PatchError(`The Update File section for '${path}' has no hunks.`, path);
  return [{ kind: "update", path, moveTo, chunks }, end];
}

/** Parses chunks until a `***` line (the next file section) or the end; returns where it stopped. */
function parseChunks(lines: string[], at: number): [UpdateChunk[], number] {
  const chunks: UpdateChunk[] = [];
  let i = at;
  while (i < lines.length) {
    const line = lines[i] ?? "";
    if (chunks.length === 0 && line.trim() === "") {
      i++;
      continue;
    }
    if (line.startsWith("***")) break;
    const [chunk, next] = parseChunk(lines, i, chunks.length === 0);
    chunks.push(chunk);
    i = next;
  }
  return [chunks, i];
}

function parseChunk(lines: string[], at: number, first: boolean): [UpdateChunk, number] {
  const [anchors, bodyStart, sawHeader] = parseAnchors(lines, at);
  if (!sawHeader && !first) throw unexpectedLine(lines[at] ?? "", at);
  const chunk: UpdateChunk = { anchors, lines: [], isEndOfFile: false };
  let i = bodyStart;
  for (; i < lines.length; i++) {
    const line = lines[i] ?? "";
    if (line.trim() === END_OF_FILE) {
      chunk.isEndOfFile = true;
      i++;
      break;
    }
    if (line.startsWith("@@") || line.startsWith("***")) break;
    if (!addBodyLine(chunk, line)) {
      if (i === bodyStart) throw unexpectedLine(line, i);
      break;
    }
  }
  if (chunk.lines.length === 0) {
    const where = anchors.length > 0 ? ` after '@@ ${anchors.join(" / ")}'` : "";
    throw new PatchError(`A hunk${where} has no lines.`);
  }
  return [chunk, i];
}

/** Reads stacked `@@` header lines; returns anchors, the first body line, and whether any header was seen. */
function parseAnchors(lines: string[], at: number): [string[], number, boolean] {
  const anchors: string[] = [];
  let i = at;
  while (i < lines.length) {
    const line = lines[i] ?? "";
    if (line.trimEnd() !== "@@" && !line.startsWith("@@ ")) break;
    const text = line.slice(3).replace(UNIFIED_RANGE, "");
    if (text.trim() !== "") anchors.push(text);
    i++;
  }
  return [anchors, i, i > at];
}

const KINDS: Record<string, DiffLine["kind"]> = { " ": "context", "-": "remove", "+": "add" };

function addBodyLine(chunk: UpdateChunk, line: string): boolean {
  // An empty line is an empty context line whose leading space an editor trimmed away.
  const kind = line === "" ? "context" : KINDS[line[0] ?? ""];
  if (kind !== undefined) chunk.lines.push({ kind, text: line.slice(1) });
  return kind !== undefined || line.startsWith("\\ No newline");
}

function unexpectedLine(line: string, index: number): PatchError {
  return new PatchError(
    `Unexpected line ${index + 1} in hunk: '${line}'. Every line of a hunk starts with ' ' (context), ` +
      "'+' (added) or '-' (removed); a new hunk starts with '@@'.",
  );
}
