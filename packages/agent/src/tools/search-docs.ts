import { PatchbayError } from "@patchbay/core";
import type { FunctionTool } from "openai/resources/responses/responses";
import { z } from "zod";

/** A piece of the team's documentation that search_docs returns. */
export interface DocChunk {
  source: string;
  path: string;
  startLine: number;
  endLine: number;
  text: string;
  headingPath?: string[];
}

/** Searches the project's knowledge base: the k best chunks for a query. */
export type SearchDocs = (query: string, k: number) => Promise<DocChunk[]>;

/** `search_docs`: offered only when the run has a knowledge base to search. */
export const SEARCH_DOCS_TOOL: FunctionTool = {
  type: "function",
  name: "search_docs",
  description:
    "Searches the team's own documentation, runbooks and code (uploaded docs and this repository's README, docs/, AGENTS.md and *.md) and returns the best matching passages with their file path and line range. Use it before guessing at internal APIs, conventions or procedures, and name the files you relied on in your final message.",
  parameters: {
    type: "object",
    properties: {
      query: { type: "string", description: "What to look for, in plain words or key terms." },
      k: { type: "integer", description: "How many passages to return (1-20, default 5)." },
    },
    required: ["query"],
    additionalProperties: false,
  },
  strict: false,
};

const Args = z.object({ query: z.string().trim().min(1), k: z.number().int().min(1).max(20).optional() });

/** Runs a search_docs call: the passages as text for the model, or why the call could not run. */
export async function runSearchDocs(
  argumentsText: string,
  search: SearchDocs,
): Promise<{ output: string; ok: boolean }> {
  let parsed: z.ZodSafeParseResult<z.output<typeof Args>>;
  try {
    parsed = Args.safeParse(argumentsText.trim() === "" ? {} : JSON.parse(argumentsText));
  } catch {
    return {
      output: 'Could not run search_docs: the arguments are not valid JSON. Send {"query": "...", "k": 5}.',
      ok: false,
    };
  }
  if (!parsed.success)
    return { output: 'Could not run search_docs: send {"query": "<what to look for>", "k": 5}.', ok: false };
  try {
    const chunks = await search(parsed.data.query, parsed.data.k ?? 5);
    return { output: formatChunks(chunks), ok: true };
  } catch (err) {
    if (err instanceof PatchbayError && err.code === "cancelled") throw err;
    return { output: `search_docs failed: ${err instanceof Error ? err.message : String(err)}`, ok: false };
  }
}

/** Passages as `[n] path:start-end (source) — heading` followed by the text. */
export function formatChunks(chunks: DocChunk[]): string {
  if (chunks.length === 0) return "No matching documentation found.";
  return chunks
    .map((c, i) => {
      const heading = c.headingPath?.length ? ` — ${c.headingPath.join(" > ")}` : "";
      return `[${i + 1}] ${c.path}:${c.startLine}-${c.endLine} (${c.source})${heading}\n${c.text}`;
    })
    .join("\n\n");
}
