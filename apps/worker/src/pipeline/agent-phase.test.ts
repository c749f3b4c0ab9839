import { type ExecResult, PatchbayError } from "@patchbay/core";
import { describe, expect, it } from "vitest";
import { asJobTimeout, gated } from "./agent-phase.js";
import { statusForError } from "./outcome.js";

const ok: ExecResult = { exitCode: 0, stdout: "", stderr: "", timedOut: false, durationMs: 0, truncatedBytes: 0 };

function recorder() {
  const calls: string[] = [];
  const sandbox = {
    root: "/workspace",
    exec: async (command: string) => {
      calls.push(`exec ${command}`);
      return ok;
    },
    readFile: async (path: string) => {
      calls.push(`read ${path}`);
      return Buffer.from("x");
    },
    writeFile: async (path: string) => {
      calls.push(`write ${path}`);
    },
    deleteFile: async (path: string) => {
      calls.push(`delete ${path}`);
    },
  };
  return { calls, sandbox };
}

describe("the agent's workspace while the snapshot is taken", () => {
  it("holds commands, writes and deletes until the snapshot is in; reads go through at once", async () => {
    const { calls, sandbox } = recorder();
    let done = () => {};
    const snapshot = new Promise<void>((resolve) => {
      done = resolve;
    });
    const ws = gated(sandbox, snapshot);
    const pending = Promise.all([ws.exec("make"), ws.writeFile("a.txt", "1"), ws.deleteFile("b.txt")]);
    expect(await ws.readFile("README.md")).toEqual(Buffer.from("x"));
    await new Promise((r) => setTimeout(r, 20));
    expect(calls).toEqual(["read README.md"]);
    done();
    await pending;
    expect(calls.slice(1).sort()).toEqual(["delete b.txt", "exec make", "write a.txt"]);
  });

  it("fails the held operations when the snapshot failed", async () => {
    const { calls, sandbox } = recorder();
    const failed = Promise.reject(new Error("snapshot failed"));
    failed.catch(() => undefined);
    const ws = gated(sandbox, failed);
    await expect(ws.exec("make")).rejects.toThrow("snapshot failed");
    await expect(ws.writeFile("a.txt", "1")).rejects.toThrow("snapshot failed");
    expect(calls).toEqual([]);
  });
});

describe("asJobTimeout", () => {
  it("the agent's deadline is the job timing out (status timed_out), its usage details kept", () => {
    const details = { limit: "deadline", turns: 2, usage: { inputTokens: 10 } };
    const reached = new PatchbayError("budget_exceeded", "The deadline passed during a model call.", { details });
    const err = asJobTimeout(reached) as PatchbayError;
    expect(err.code).toBe("timed_out");
    expect(statusForError(err)).toBe("timed_out");
    expect(err.details).toEqual(details);
    expect(err.cause).toBe(reached);
  });

  it("leaves the other budgets and every other error as they are", () => {
    const turns = new PatchbayError("budget_exceeded", "maxTurns reached", { details: { limit: "maxTurns" } });
    expect(asJobTimeout(turns)).toBe(turns);
    const other = new Error("boom");
    expect(asJobTimeout(other)).toBe(other);
  });
});
