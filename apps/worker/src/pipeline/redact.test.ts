import { describe, expect, it } from "vitest";
import { EventRedaction, REDACTED, Redactor } from "./redact.js";

const SECRET = "s3cr3t-token-value-42";
const log = (text: string, stream: "stdout" | "stderr" = "stdout") =>
  ({ type: "log", data: { stream, text, phase: "setup", source: "setup" } }) as const;
const texts = (events: Array<{ type: string; data: unknown }>) =>
  events.map((e) => (e.data as { text?: string }).text ?? "").join("");

describe("Redactor", () => {
  it("replaces every occurrence, in text and nested JSON (keys too)", () => {
    const r = new Redactor([SECRET]);
    expect(r.redact(`a ${SECRET} b ${SECRET}`)).toBe(`a ${REDACTED} b ${REDACTED}`);
    expect(r.redactValue({ out: [`x${SECRET}`], [SECRET]: 1 })).toEqual({ out: [`x${REDACTED}`], [REDACTED]: 1 });
  });

  it("redacts the lines of a multi-line secret printed one by one", () => {
    const key = "-----BEGIN KEY-----\nAAAAB3NzaC1yc2EAAAADAQABAAABAQ\n-----END KEY-----\n";
    expect(new Redactor([key]).redact("line: AAAAB3NzaC1yc2EAAAADAQABAAABAQ\n")).toBe(`line: ${REDACTED}\n`);
  });
});

describe("EventRedaction", () => {
  it("catches a secret cut in two across output chunks", () => {
    const redaction = new EventRedaction(new Redactor([SECRET]));
    const out = [
      ...redaction.apply(log(`token=${SECRET.slice(0, 7)}`)),
      ...redaction.apply(log(`${SECRET.slice(7)} done\n`)),
    ];
    expect(texts(out)).toBe(`token=${REDACTED} done\n`);
    expect(texts(out)).not.toContain(SECRET.slice(0, 7));
  });

  it("releases held text before a non-log event and on drain, keeping order", () => {
    const redaction = new EventRedaction(new Redactor([SECRET]));
    expect(redaction.apply(log("ends with s3c"))).toEqual([log("ends with ")]);
    const next = redaction.apply({ type: "status", data: { status: "running", phase: "baseline" } });
    expect(next.map((e) => e.type)).toEqual(["log", "status"]);
    expect(texts(next)).toBe("s3c");
    expect(redaction.drain()).toEqual([]);
  });

  it("redacts tool results and model text", () => {
    const redaction = new EventRedaction(new Redactor([SECRET]));
    const [result] = redaction.apply({
      type: "tool_result",
      data: { callId: "c", tool: "shell", ok: true, output: `cat .npmrc\n${SECRET}` },
    });
    expect(JSON.stringify(result)).not.toContain(SECRET);
  });
});
