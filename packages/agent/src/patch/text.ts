import { seekSequence } from "./seek.js";
import { type DiffLine, oldLinesOf, PatchError, type UpdateChunk } from "./types.js";

const BOM = "\uFEFF";

/** A text file split into lines, remembering what to restore when it is written back. */
export interface TextFile {
  lines: string[];
  eol: "\n" | "\r\n";
  bom: boolean;
}

/** Splits file content into lines without their endings (a final newline adds no line). */
export function decodeText(content: string): TextFile {
  const bom = content.startsWith(BOM);
  const body = bom ? content.slice(1) : content;
  const eol = body.includes("\r\n") ? "\r\n" : "\n";
  const lines = body.split("\n");
  if (lines.at(-1) === "") lines.pop();
  return { lines: eol === "\r\n" ? lines.map((l) => (l.endsWith("\r") ? l.slice(0, -1) : l)) : lines, eol, bom };
}

/** Joins lines back with the file's line ending; every non-empty file ends with a newline. */
export function encodeText(file: TextFile): string {
  const body = file.lines.length === 0 ? "" : file.lines.join(file.eol) + file.eol;
  return (file.bom ? BOM : "") + body;
}

type Replacement = { start: number; oldLength: number; newLines: string[] };

/** Applies update chunks to file content; throws a PatchError naming the hunk that does not match. */
export function applyChunks(content: string, chunks: UpdateChunk[], path: string): string {
  const file = decodeText(content);
  const replacements = locateChunks(file.lines, chunks, path);
  const lines = [...file.lines];
  for (const r of [...replacements].reverse()) lines.splice(r.start, r.oldLength, ...r.newLines);
  return encodeText({ ...file, lines });
}

function locateChunks(lines: string[], chunks: UpdateChunk[], path: string): Replacement[] {
  const replacements: Replacement[] = [];
  let cursor = 0;
  chunks.forEach((chunk, index) => {
    const where = `${path} (hunk ${index + 1} of ${chunks.length})`;
    cursor = seekAnchors(lines, chunk.anchors, cursor, where, path);
    const replacement = locateChunk(lines, chunk, cursor);
    if (replacement === null) throw notFound(chunk, where, path);
    replacements.push(replacement);
    cursor = replacement.start + replacement.oldLength;
  });
  replacements.sort((a, b) => a.start - b.start);
  assertNoOverlap(replacements, path);
  return replacements;
}

function seekAnchors(lines: string[], anchors: string[], from: number, where: string, path: string): number {
  let cursor = from;
  for (const anchor of anchors) {
    const found = seekSequence(lines, [anchor], cursor, false);
    if (found === null) throw new PatchError(`Failed to find context '@@ ${anchor.trim()}' in ${where}.`, path);
    cursor = found + 1;
  }
  return cursor;
}

function locateChunk(lines: string[], chunk: UpdateChunk, cursor: number): Replacement | null {
  let diff = chunk.lines;
  let oldLines = oldLinesOf(diff);
  if (oldLines.length === 0) {
    // A pure insertion goes right after its anchor; without one, at the end of the file (Codex).
    const start = chunk.anchors.length > 0 && !chunk.isEndOfFile ? cursor : lines.length;
    return { start, oldLength: 0, newLines: diff.map((l) => l.text) };
  }
  let start = seekSequence(lines, oldLines, cursor, chunk.isEndOfFile);
  // A trailing empty context line usually stands for the file's final newline, which is no line.
  const last = diff.at(-1);
  if (start === null && last?.kind === "context" && last.text === "") {
    diff = diff.slice(0, -1);
    oldLines = oldLinesOf(diff);
    start = seekSequence(lines, oldLines, cursor, chunk.isEndOfFile);
  }
  if (start === null) return null;
  return { start, oldLength: oldLines.length, newLines: replacementLines(lines, start, diff) };
}

/** The new lines for a match at `start`; context lines keep the file's text, not the patch's. */
function replacementLines(lines: string[], start: number, diff: DiffLine[]): string[] {
  const out: string[] = [];
  let at = start;
  for (const line of diff) {
    if (line.kind === "add") out.push(line.text);
    else if (line.kind === "context") out.push(lines[at++] ?? line.text);
    else at++;
  }
  return out;
}

function notFound(chunk: UpdateChunk, where: string, path: string): PatchError {
  const oldLines = oldLinesOf(chunk.lines);
  const shown = oldLines.slice(0, 6).join("\n");
  const more = oldLines.length > 6 ? `\n… (${oldLines.length - 6} more lines)` : "";
  const eof = chunk.isEndOfFile ? " at the end of the file" : "";
  return new PatchError(
    `Failed to find the expected lines${eof} in ${where}:\n${shown}${more}\n` +
      "Read the current file content and make the context and '-' lines match it exactly.",
    path,
  );
}

function assertNoOverlap(replacements: Replacement[], path: string): void {
  for (let i = 1; i < replacements.length; i++) {
    const prev = replacements[i - 1];
    const cur = replacements[i];
    if (prev && cur && cur.start < prev.start + prev.oldLength) {
      throw new PatchError(`Two hunks for ${path} change overlapping lines.`, path);
    }
  }
}
