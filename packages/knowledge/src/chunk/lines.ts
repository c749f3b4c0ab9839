import type { ChunkDraft } from "../types.js";

/** Size limits shared by every chunker. */
export interface ChunkLimits {
  /** A chunk past this many characters is split by lines. */
  maxChars: number;
  /** Lines repeated at the start of the next piece when a block is split. */
  overlapLines: number;
}

export const DEFAULT_LIMITS: ChunkLimits = { maxChars: 1800, overlapLines: 3 };

/**
 * Splits `lines` (the first of which is file line `firstLine`) into pieces of at most
 * `maxChars`, each overlapping the previous one by a few lines so that a sentence cut at a
 * boundary is whole in one of them.
 */
export function splitLines(
  lines: string[],
  firstLine: number,
  headingPath: string[],
  limits: ChunkLimits = DEFAULT_LIMITS,
): ChunkDraft[] {
  const out: ChunkDraft[] = [];
  let start = 0;
  while (start < lines.length) {
    let end = start;
    let size = 0;
    // Always take at least one line, even one longer than maxChars.
    while (end < lines.length && (end === start || size + (lines[end]?.length ?? 0) + 1 <= limits.maxChars)) {
      size += (lines[end]?.length ?? 0) + 1;
      end++;
    }
    const text = lines.slice(start, end).join("\n");
    if (text.trim() !== "") {
      out.push({ text, headingPath, startLine: firstLine + start, endLine: firstLine + end - 1 });
    }
    if (end >= lines.length) break;
    start = Math.max(start + 1, end - limits.overlapLines);
  }
  return out;
}

/** Splits a block that is too big; keeps one that fits as a single chunk. */
export function fitBlock(
  lines: string[],
  firstLine: number,
  headingPath: string[],
  limits: ChunkLimits = DEFAULT_LIMITS,
): ChunkDraft[] {
  const text = lines.join("\n");
  if (text.trim() === "") return [];
  if (text.length <= limits.maxChars) {
    return [{ text, headingPath, startLine: firstLine, endLine: firstLine + lines.length - 1 }];
  }
  return splitLines(lines, firstLine, headingPath, limits);
}
