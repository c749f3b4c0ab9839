import type { ChunkDraft } from "../types.js";
import { type ChunkLimits, DEFAULT_LIMITS, fitBlock, splitLines } from "./lines.js";

export type CodeLanguage = "typescript" | "python";

// A top-level declaration starts in column 0; its name is the first identifier after the keywords.
const TS_DECL =
  /^(?:export\s+(?:default\s+)?)?(?:declare\s+)?(?:async\s+)?(?:abstract\s+)?(?:function\*?|class|interface|type|enum|const|let|var|namespace)\s+([A-Za-z_$][\w$]*)/;
const TS_EXPORT = /^export\s/;
const PY_DECL = /^(?:async\s+)?(?:def|class)\s+([A-Za-z_]\w*)/;
// Comments and decorators directly above a declaration belong to it.
const TS_LEAD = /^(?:\/\/|\/\*|\s*\*|@)/;
const PY_LEAD = /^(?:#|@)/;

interface Block {
  name: string | null;
  start: number;
}

/**
 * Chunks source code by top-level declarations (functions, classes, exported values): each one,
 * with the comments and decorators right above it, is a chunk named after it. Code between
 * declarations (imports, statements) forms chunks of its own; long blocks are split by lines.
 */
export function chunkCode(content: string, language: CodeLanguage, limits: ChunkLimits = DEFAULT_LIMITS): ChunkDraft[] {
  const lines = content.split(/\r?\n/);
  const blocks = findBlocks(lines, language);
  if (blocks.length === 0) return splitLines(lines, 1, [], limits);
  return blocks.flatMap((block, i) => {
    const end = blocks[i + 1]?.start ?? lines.length;
    const body = trimBlank(lines.slice(block.start, end));
    return fitBlock(body, block.start + 1, block.name ? [block.name] : [], limits);
  });
}

function findBlocks(lines: string[], language: CodeLanguage): Block[] {
  const decl = language === "python" ? PY_DECL : TS_DECL;
  const lead = language === "python" ? PY_LEAD : TS_LEAD;
  const blocks: Block[] = [];
  lines.forEach((line, i) => {
    const match = decl.exec(line);
    const isDecl = match !== null || (language === "typescript" && TS_EXPORT.test(line));
    if (!isDecl) return;
    let start = i;
    while (start > 0 && lead.test(lines[start - 1] ?? "") && !blocks.some((b) => b.start === start - 1)) start--;
    const name = match?.[1] ?? null;
    if (blocks.length === 0 && start > 0) blocks.push({ name: null, start: 0 });
    blocks.push({ name, start });
  });
  return blocks;
}

function trimBlank(lines: string[]): string[] {
  let end = lines.length;
  while (end > 0 && (lines[end - 1] ?? "").trim() === "") end--;
  return lines.slice(0, end);
}
