import { describe, expect, it } from "vitest";
import type { ModelResponse } from "./model-response.js";
import { SseResponses } from "./sse-responses.js";

describe("SseResponses", () => {
  it("hands over the final response of each stream, however the bytes are cut", () => {
    const final = {
      id: "r1",
      status: "completed",
      output: [{ type: "message" }],
      usage: { input_tokens: 7, output_tokens: 2 },
    };
    const stream = [
      'event: response.created\ndata: {"type":"response.created","response":{"output":[]}}\n\n',
      'event: response.output_item.done\r\ndata: {"type":"response.output_item.done","item":{"type":"message"}}\r\n\r\n',
      `event: response.completed\ndata: ${JSON.stringify({ type: "response.completed", response: final })}\n\n`,
    ].join("");
    const bytes = Buffer.from(stream);
    for (const size of [1, 7, bytes.length]) {
      const seen: ModelResponse[] = [];
      const sse = new SseResponses((r) => seen.push(r));
      for (let i = 0; i < bytes.length; i += size) sse.push(bytes.subarray(i, i + size));
      expect(seen).toHaveLength(1);
      expect(seen[0]).toMatchObject({ status: "completed", usage: { input_tokens: 7, output_tokens: 2 } });
    }
  });
});
