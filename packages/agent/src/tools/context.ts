import type { EventSink, Workspace } from "@patchbay/core";
import type { ResponseInputItem } from "openai/resources/responses/responses";

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
}

/** A finished tool call: the item for the model and the facts for the tool_result event. */
export interface ToolRun {
  item: ResponseInputItem;
  ok: boolean;
  output: string;
  exitCode?: number | null;
}
