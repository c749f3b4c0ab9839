import { describe, expect, it } from "vitest";
import { isStorableText, storableJson, storableText } from "./storable.js";

describe("storable text", () => {
  it("replaces NUL characters and lone surrogates, and keeps surrogate pairs and other text", () => {
    expect(storableText("before\u0000after")).toBe("before\uFFFDafter");
    expect(storableText("a\ud800b\udc00c")).toBe("a\uFFFDb\uFFFDc");
    expect(storableText("emoji 😀 ok")).toBe("emoji 😀 ok");
    expect(isStorableText("a\u0000")).toBe(false);
    expect(isStorableText("😀")).toBe(true);
  });

  it("cleans every string of a JSON value, keys included, and says whether it changed anything", () => {
    const dirty = { text: "x\u0000y", nested: [{ "k\ud800": "\udfff" }], ok: "😀", n: 1 };
    const { value, sanitized } = storableJson(dirty);
    expect(sanitized).toBe(true);
    expect(value).toEqual({ text: "x\uFFFDy", nested: [{ "k\uFFFD": "\uFFFD" }], ok: "😀", n: 1 });
    const clean = { text: "a\\u0000 stays (an escaped backslash)", pair: "😀" };
    expect(storableJson(clean)).toEqual({ value: clean, sanitized: false });
  });

  it("leaves an escaped backslash before a real NUL intact", () => {
    expect(storableJson({ t: "\\\u0000" }).value).toEqual({ t: "\\\uFFFD" });
  });
});
