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

describe("Redactor against encoded and split forms", () => {
  const secret = "ghp_Q7mZ2xK9pL4vR8tY1wN6bC3dF5hJ0sAe";
  // Characters that URL encoding and JSON escaping change, and a non-ASCII one.
  const special = 'pw:"Zq8/x+V2 k@9&Lm\\ü=rT4"';
  const r = new Redactor([secret, special]);
  const b64 = (s: string | Buffer) => Buffer.from(s).toString("base64");
  const leaks = (out: string, value = secret) => {
    // Whatever is left, decoded any way we know, must not give the secret (or a long piece of it) back.
    const pieces = [out, [...out].reverse().join(""), decodeURIComponent(out.replace(/%(?![0-9a-f]{2})/gi, ""))];
    for (const run of out.match(/[A-Za-z0-9+/_-]{8,}={0,2}/g) ?? []) {
      for (const k of [0, 1, 2, 3]) pieces.push(Buffer.from(run.slice(k), "base64").toString("latin1"));
    }
    for (const run of out.match(/[0-9a-fA-F]{8,}/g) ?? []) pieces.push(Buffer.from(run, "hex").toString("latin1"));
    return pieces.some((p) => p.includes(value.slice(0, 8)) || p.includes(value.slice(-8)));
  };

  it.each([
    ["base64 (what `base64` prints)", `${b64(secret)}\n`],
    ["base64 of the secret and a newline (`echo $S | base64`)", b64(`${secret}\n`)],
    ["base64url", Buffer.from(secret).toString("base64url")],
    ["hex", Buffer.from(secret).toString("hex")],
    ["upper-case hex", Buffer.from(secret).toString("hex").toUpperCase()],
    ["reversed (`rev`)", [...secret].reverse().join("")],
    ["URL-encoded", encodeURIComponent(special)],
    [
      "URL-encoded the Python way",
      encodeURIComponent(special)
        .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16)}`)
        .replaceAll("%20", "+")
        .replace(/%[0-9A-F]{2}/g, (e) => e.toLowerCase()),
    ],
    ["JSON-escaped", JSON.stringify({ token: special })],
    [
      "JSON-escaped, ASCII only",
      JSON.stringify(special).replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`),
    ],
  ])("redacts the %s form", (_, form) => {
    const out = r.redact(`before ${form} after`);
    expect(out).toContain(REDACTED);
    expect(out.startsWith("before ")).toBe(true);
    expect(out.endsWith(" after")).toBe(true);
    expect(leaks(out)).toBe(false);
    expect(leaks(out, special)).toBe(false);
  });

  it("finds the secret inside a longer base64 string, at each of the three byte alignments", () => {
    for (const prefix of ["", "a", "ab", "abc"]) {
      for (const suffix of ["", "x", "xy"]) {
        const encoded = b64(`{"auth":"${prefix}${secret}${suffix}","more":"data"}`);
        const out = r.redact(encoded);
        expect(out, `prefix ${prefix.length}, suffix ${suffix.length}`).toContain(REDACTED);
        expect(leaks(out)).toBe(false);
      }
      const url = Buffer.from(`${prefix}${secret}??>>`).toString("base64url");
      expect(leaks(r.redact(url))).toBe(false);
    }
  });

  it("catches line-wrapped base64 and a secret printed in two halves", () => {
    const long = `${secret}${secret.toLowerCase()}${secret.toUpperCase()}`;
    const lr = new Redactor([long]);
    const wrapped = b64(long).replace(/.{76}/g, "$&\n");
    expect(wrapped).toContain("\n");
    const out = lr.redact(wrapped);
    expect(out).not.toMatch(/[A-Za-z0-9+/]{12,}/);
    const halves = `first: ${secret.slice(0, 18)}\nnoise\nsecond: ${secret.slice(18)}\n`;
    expect(r.redact(halves)).toBe(`first: ${REDACTED}\nnoise\nsecond: ${REDACTED}\n`);
  });

  it("leaves ordinary text, hashes and base64 without the secret alone", () => {
    const text = [
      "added 120 packages in 3s; commit 4b825dc642cb6eb9a060e54bf8d69288fbee4904",
      b64("hello world, nothing to see here at all"),
      "ghp_ is a prefix; Q7m is a fragment; tokens are secrets",
    ].join("\n");
    expect(r.redact(text)).toBe(text);
    expect(r.contains(text)).toBe(false);
    expect(r.contains(`x ${b64(secret)}`)).toBe(true);
  });

  it("redacts every one of 20 secrets, plain and base64, from a 1 MiB log chunk (its speed: npm run bench -- redaction)", () => {
    const secrets = Array.from({ length: 20 }, (_, i) => `tok_${i}_${b64(`${i}-${secret}`).slice(0, 30)}`);
    const many = new Redactor(secrets);
    const line = "npm info run some-package@1.2.3 postinstall node_modules/some-package node scripts/build.js\n";
    let text = "";
    for (let i = 0; text.length < 1 << 20; i++) {
      text += i % 500 === 0 ? `token ${b64(secrets[i % 20]!)} and ${secrets[(i + 7) % 20]}\n` : line;
    }
    const out = many.redact(text);
    expect(secrets.some((s) => out.includes(s) || out.includes(b64(s)))).toBe(false);
    expect(out.length).toBeGreaterThan(1 << 19);
  });
});

describe("EventRedaction of encoded forms across chunks", () => {
  it("catches base64 of a secret cut in two across output chunks", () => {
    const redaction = new EventRedaction(new Redactor([SECRET]));
    const encoded = Buffer.from(SECRET).toString("base64");
    const out = [
      ...redaction.apply(log(`b64: ${encoded.slice(0, 5)}`)),
      ...redaction.apply(log(`${encoded.slice(5)}\n`)),
      ...redaction.drain(),
    ];
    expect(texts(out)).toBe(`b64: ${REDACTED}\n`);
  });

  it("holds back only a short tail, and releases it redacted on drain", () => {
    const redaction = new EventRedaction(new Redactor([SECRET]));
    const out = [...redaction.apply(log("progress 10%")), ...redaction.apply(log(" 20%\n")), ...redaction.drain()];
    expect(texts(out)).toBe("progress 10% 20%\n");
  });
});
