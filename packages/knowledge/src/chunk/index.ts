import type { ChunkDraft } from "../types.js";
import { chunkCode } from "./code.js";
import { htmlToText } from "./html.js";
import { type ChunkLimits, DEFAULT_LIMITS, splitLines } from "./lines.js";
import { chunkMarkdown } from "./markdown.js";

export type DocumentFormat = "markdown" | "html" | "typescript" | "python" | "text";

const BY_EXTENSION: Record<string, DocumentFormat> = {
  md: "markdown",
  markdown: "markdown",
  mdx: "markdown",
  html: "html",
  htm: "html",
  ts: "typescript",
  tsx: "typescript",
  mts: "typescript",
  cts: "typescript",
  js: "typescript",
  jsx: "typescript",
  mjs: "typescript",
  cjs: "typescript",
  py: "python",
};

/** The format a path's extension (or an upload's content type) says a document is in. */
export function formatOf(path: string, contentType?: string): DocumentFormat {
  if (contentType?.includes("markdown")) return "markdown";
  if (contentType?.includes("html")) return "html";
  const ext = /\.([A-Za-z0-9]+)$/.exec(path)?.[1]?.toLowerCase() ?? "";
  return BY_EXTENSION[ext] ?? "text";
}

/** Chunks a document by its format; every chunk keeps its line range in the original file. */
export function chunkDocument(
  content: string,
  format: DocumentFormat,
  limits: ChunkLimits = DEFAULT_LIMITS,
): ChunkDraft[] {
  switch (format) {
    case "markdown":
      return chunkMarkdown(content, limits);
    case "html":
      return chunkMarkdown(htmlToText(content), limits);
    case "typescript":
    case "python":
      return chunkCode(content, format, limits);
    default:
      return splitLines(content.split(/\r?\n/), 1, [], limits);
  }
}

export { type ChunkLimits, chunkCode, chunkMarkdown, DEFAULT_LIMITS, htmlToText, splitLines };
