import type { NewEvent } from "@patchbay/core";
import { describe, expect, it } from "vitest";
import { CodexEventMapper, LineSplitter, unwrapShell } from "./codex-events.js";

// Lines as `codex exec --json` (0.171.0) printed them in a sandbox.
const RUN = [
  { type: "thread.started", thread_id: "t1" },
  { type: "item.completed", item: { id: "item_0", type: "error", message: "Model metadata for `m` not found." } },
  { type: "turn.started" },
  { type: "item.completed", item: { id: "item_1", type: "agent_message", text: "Looking first." } },
  {
    type: "item.started",
    item: {
      id: "item_2",
      type: "command_execution",
      command: "/bin/bash -lc 'npm test'",
      aggregated_output: "",
      exit_code: null,
      status: "in_progress",
    },
  },
  {
    type: "item.completed",
    item: {
      id: "item_2",
      type: "command_execution",
      command: "/bin/bash -lc 'npm test'",
      aggregated_output: "1 failing\n",
      exit_code: 1,
      status: "failed",
    },
  },
  {
    type: "item.started",
    item: {
      id: "item_3",
      type: "file_change",
      changes: [{ path: "/workspace/src/a.js", kind: "update" }],
      status: "in_progress",
    },
  },
  {
    type: "item.completed",
    item: {
      id: "item_3",
      type: "file_change",
      changes: [
        { path: "/workspace/src/a.js", kind: "update" },
        { path: "/workspace/b.md", kind: "add" },
      ],
      status: "completed",
    },
  },
  {
    type: "item.updated",
    item: {
      id: "item_4",
      type: "todo_list",
      items: [
        { text: "fix", completed: true },
        { text: "test", completed: false },
        { text: "ship", completed: false },
      ],
    },
  },
  { type: "item.completed", item: { id: "item_5", type: "agent_message", text: "Fixed src/a.js." } },
  {
    type: "turn.completed",
    usage: { input_tokens: 30, cached_input_tokens: 20, output_tokens: 5, reasoning_output_tokens: 0 },
  },
];

function run(lines: string[]) {
  const events: NewEvent[] = [];
  const mapper = new CodexEventMapper((e) => events.push(e), "/workspace");
  for (const line of lines) mapper.line(line);
  return { events, mapper };
}

describe("CodexEventMapper", () => {
  it("turns commands and file changes into tool calls and results, the to-do list into a plan", () => {
    const { events, mapper } = run(RUN.map((l) => JSON.stringify(l)));
    expect(events.map((e) => e.type)).toEqual(["log", "tool_call", "tool_result", "tool_call", "tool_result", "plan"]);
    expect(events[1]).toEqual({
      type: "tool_call",
      data: { callId: "item_2", tool: "shell", input: { command: "npm test" } },
    });
    expect(events[2]).toMatchObject({
      type: "tool_result",
      data: { callId: "item_2", ok: false, exitCode: 1, output: "1 failing\n" },
    });
    // Paths relative to the workspace, as our apply_patch reports them; the completed item's list wins.
    expect(events[3]).toMatchObject({
      data: { tool: "apply_patch", input: { changes: [{ path: "src/a.js", kind: "update" }] } },
    });
    expect(events[4]).toMatchObject({
      data: { ok: true, output: "Updated the following files:\nM src/a.js\nA b.md\n" },
    });
    expect(events[5]).toEqual({
      type: "plan",
      data: {
        steps: [
          { step: "fix", status: "completed" },
          { step: "test", status: "in_progress" },
          { step: "ship", status: "pending" },
        ],
      },
    });
    expect(mapper.summary).toBe("Fixed src/a.js.");
    expect(mapper.failure).toBeNull();
  });

  it("records a failed turn and passes lines that are not events to the log", () => {
    const { events, mapper } = run([
      "not json",
      JSON.stringify({ type: "turn.failed", error: { message: "stream disconnected" } }),
    ]);
    expect(events).toEqual([
      { type: "log", data: { stream: "stdout", text: "not json\n", phase: "agent", source: "codex" } },
    ]);
    expect(mapper.failure).toBe("stream disconnected");
  });

  it("emits a call once when Codex sends only the completed item", () => {
    const item = {
      id: "c",
      type: "command_execution",
      command: "ls",
      aggregated_output: "a\n",
      exit_code: 0,
      status: "completed",
    };
    const { events } = run([JSON.stringify({ type: "item.completed", item })]);
    expect(events.map((e) => e.type)).toEqual(["tool_call", "tool_result"]);
  });
});

describe("LineSplitter", () => {
  it("joins lines split across chunks and flushes the last one", () => {
    const lines: string[] = [];
    const split = new LineSplitter((l) => lines.push(l));
    for (const chunk of ['{"a":', '1}\n{"b"', ":2}\n", "tail"]) split.push(chunk);
    split.end();
    expect(lines).toEqual(['{"a":1}', '{"b":2}', "tail"]);
  });
});

describe("unwrapShell", () => {
  it("shows the command the model wrote, quotes restored", () => {
    expect(unwrapShell("/bin/bash -lc 'npm test'")).toBe("npm test");
    expect(unwrapShell("/bin/bash -lc 'echo '\\''hi'\\'' | wc -c'")).toBe("echo 'hi' | wc -c");
    expect(unwrapShell("python3 -c 1")).toBe("python3 -c 1");
    expect(unwrapShell("/bin/bash -lc 'a' 'b'")).toBe("/bin/bash -lc 'a' 'b'");
  });
});
