import type { ChunkDraft } from "../types.js";
import { type ChunkLimits, DEFAULT_LIMITS, fitBlock } from "./lines.js";

interface Section {
  headingPath: string[];
  start: number;
  lines: string[];
}

const ATX = /^ {0,3}(#{1,6})[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$/;
const FENCE = /^ {0,3}(`{3,}|~{3,})/;

/**
 * Chunks Markdown by heading sections: each section (heading line and body up to the next
 * heading) is one chunk carrying the path of headings above it; long sections are split by
 * lines. Headings inside fenced code blocks are code, not headings.
 */
export function chunkMarkdown(content: string, limits: ChunkLimits = DEFAULT_LIMITS): ChunkDraft[] {
  const lines = content.split(/\r?\n/);
  const sections: Section[] = [];
  const stack: Array<{ level: number; title: string }> = [];
  let current: Section = { headingPath: [], start: 1, lines: [] };
  let fence: string | null = null;
  lines.forEach((line, i) => {
    const fenceMatch = FENCE.exec(line);
    if (fenceMatch?.[1]) {
      const marker = fenceMatch[1];
      if (fence === null) fence = marker;
      else if (marker[0] === fence[0] && marker.length >= fence.length) fence = null;
    }
    const heading = fence === null && !fenceMatch ? ATX.exec(line) : null;
    if (heading?.[1]) {
      sections.push(current);
      const level = heading[1].length;
      while (stack.length > 0 && (stack.at(-1)?.level ?? 0) >= level) stack.pop();
      stack.push({ level, title: cleanHeading(heading[2] ?? "") });
      current = { headingPath: stack.map((h) => h.title), start: i + 1, lines: [] };
    }
    current.lines.push(line);
  });
  sections.push(current);
  // A heading with no body of its own lives on in its children's heading paths.
  const withBody = sections.filter((s) => s.headingPath.length === 0 || s.lines.slice(1).some((l) => l.trim() !== ""));
  return withBody.flatMap((s) => fitBlock(trimTrailingBlank(s.lines), s.start, s.headingPath, limits));
}

/** Heading text without inline Markdown noise: links, emphasis, code ticks, HTML anchors. */
function cleanHeading(raw: string): string {
  return raw
    .replace(/<a\s[^>]*>\s*<\/a>/gi, "")
    .replace(/\[([^\]]*)\]\([^)]*\)/g, "$1")
    .replace(/[`*_]/g, "")
    .trim();
}

function trimTrailingBlank(lines: string[]): string[] {
  let end = lines.length;
  while (end > 0 && (lines[end - 1] ?? "").trim() === "") end--;
  return lines.slice(0, end);
}
