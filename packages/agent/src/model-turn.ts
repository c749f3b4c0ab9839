import type { EventData, TokenUsage } from "@patchbay/core";

/** An output item as far as it is read here: the SDK's typed item, or one checked at an edge. */
interface OutputItem {
  type: string;
  content?: unknown;
}

/** The text of a turn's assistant messages, or null when it has none. */
export function assistantText(output: OutputItem[]): string | null {
  const texts: string[] = [];
  for (const item of output) {
    if (item.type !== "message" || !Array.isArray(item.content)) continue;
    for (const part of item.content as Array<{ type?: unknown; text?: unknown }>) {
      if (part.type === "output_text" && typeof part.text === "string" && part.text.trim() !== "") {
        texts.push(part.text.trim());
      }
    }
  }
  return texts.length === 0 ? null : texts.join("\n\n");
}

/**
 * The `model` event of a finished turn, whichever engine ran it: its output items go along whole,
 * so the run's conversation and trajectory can be rebuilt from the events.
 */
export function modelEventData(turn: {
  turn: number;
  model: string;
  usage: TokenUsage;
  output: OutputItem[];
  text: string | null;
  costUsd: number | null;
}): EventData["model"] {
  return {
    turn: turn.turn,
    model: turn.model,
    usage: turn.usage,
    itemTypes: turn.output.map((item) => item.type),
    ...(turn.text === null ? {} : { text: turn.text }),
    output: turn.output,
    ...(turn.costUsd === null ? {} : { costUsd: turn.costUsd }),
  };
}
