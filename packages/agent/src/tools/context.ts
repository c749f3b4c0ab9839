import type { EventSink, Workspace } from "@patchbay/core";
import type { ResponseInputItem } from "openai/resources/responses/responses";
import type { AgentsDocs } from "../agents-md.js";
import type { AgentFunctionTool } from "../types.js";
import type { RedactText } from "./redact.js";
import type { SearchDocs } from "./search-docs.js";

/** What a tool may use while it runs. */
export interface ToolContext {
  workspace: Workspace;
  emit: EventSink;
  signal: AbortSignal | undefined;
  commandTimeoutMs: number;
  /** Epoch ms after which no command may still be running. */
  deadline: number | undefined;
  /** Characters of output the model and the events get. */
  outputLimit: number;
  /** The job's checks, when the run offers `run_checks`. */
  runChecks: (() => Promise<string>) | undefined;
  /** The project's knowledge base, when the run offers `search_docs`. */
  searchDocs?: SearchDocs | undefined;
  /** Nested AGENTS.md files, shown with the first tool result that touches their folder. */
  docs: AgentsDocs | undefined;
  /** Whether the run offers `update_plan`. */
  updatePlan?: boolean;
  /** Function tools the caller runs. */
  functions?: AgentFunctionTool[] | undefined;
  /** Applied to every tool output before the model or a tool_result event sees it. */
  redact?: RedactText | undefined;
}

/** A finished tool call: the item for the model and the facts for the tool_result event. */
export interface ToolRun {
  item: ResponseInputItem;
  ok: boolean;
  output: string;
  exitCode?: number | null;
  /** The call's arguments could not be parsed: the model was told, and the loop counts it. */
  malformed?: boolean;
  /** Checkout-relative folders the call worked in, for nested AGENTS.md files. */
  touchedDirs?: string[];
}

/** What the loop needs from one tool call: the output item and what the loop guard compares. */
export interface ToolOutcome {
  item: ResponseInputItem;
  /** The call's tool and input, and its output, as one comparable string. */
  fingerprint: string;
  malformed: boolean;
}
