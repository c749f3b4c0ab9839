import { StringDecoder } from "node:string_decoder";
import { type ModelResponse, ModelResponseSchema } from "./model-response.js";

const FINAL_EVENTS = new Set(["response.completed", "response.incomplete", "response.failed"]);

/**
 * Reads a Responses API event stream as it passes and hands over the final Response of each
 * `response.completed` / `.incomplete` / `.failed` event (the one carrying usage and output).
 */
export class SseResponses {
  private readonly decoder = new StringDecoder("utf8");
  private pending = "";

  constructor(private readonly onResponse: (response: ModelResponse) => void) {}

  /** Feeds the next bytes of the stream. */
  push(chunk: Buffer): void {
    // Normalized on the joined text: a CRLF may be cut between two chunks.
    this.pending = (this.pending + this.decoder.write(chunk)).replace(/\r\n/g, "\n");
    for (let end = this.pending.indexOf("\n\n"); end >= 0; end = this.pending.indexOf("\n\n")) {
      const block = this.pending.slice(0, end);
      this.pending = this.pending.slice(end + 2);
      this.event(block);
    }
  }

  private event(block: string): void {
    const data = block
      .split("\n")
      .filter((line) => line.startsWith("data:"))
      .map((line) => line.slice(5).replace(/^ /, ""))
      .join("\n");
    if (data === "" || data === "[DONE]") return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(data);
    } catch {
      return;
    }
    if (!parsed || typeof parsed !== "object") return;
    const { type, response } = parsed as { type?: unknown; response?: unknown };
    if (typeof type !== "string" || !FINAL_EVENTS.has(type)) return;
    const checked = ModelResponseSchema.safeParse(response);
    if (checked.success) this.onResponse(checked.data);
  }
}
