import { describe, expect, it } from "vitest";
import { functionCall, message, reasoning } from "../testing/items.js";
import { toChatMessages } from "./chat-messages.js";

describe("toChatMessages", () => {
  it("makes one assistant message per model turn and tool messages for outputs", () => {
    const messages = toChatMessages("be good", [
      { role: "user", content: "task" },
      reasoning("enc"),
      message("Looking."),
      functionCall("c1", "shell", '{"command":"ls"}'),
      functionCall("c2", "apply_patch", '{"input":"*** Begin Patch"}'),
      { type: "function_call_output", call_id: "c1", output: "a.txt" },
      { type: "function_call_output", call_id: "c2", output: "Success." },
      { role: "user", content: "warning" },
      message("Done."),
    ]);
    expect(messages).toEqual([
      { role: "system", content: "be good" },
      { role: "user", content: "task" },
      {
        role: "assistant",
        content: "Looking.",
        tool_calls: [
          { id: "c1", type: "function", function: { name: "shell", arguments: '{"command":"ls"}' } },
          { id: "c2", type: "function", function: { name: "apply_patch", arguments: '{"input":"*** Begin Patch"}' } },
        ],
      },
      { role: "tool", tool_call_id: "c1", content: "a.txt" },
      { role: "tool", tool_call_id: "c2", content: "Success." },
      { role: "user", content: "warning" },
      { role: "assistant", content: "Done." },
    ]);
  });
});
