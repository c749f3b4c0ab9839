import { describe, expect, it } from "vitest";
import { CappedOutput, omittedMarker, utf8SafeEnd, utf8SafeStart } from "./output-cap.js";
import { OutputCollector } from "./output-collector.js";

describe("CappedOutput", () => {
  it("keeps everything under the cap", () => {
    const out = new CappedOutput(10);
    out.push(Buffer.from("abc"));
    out.push(Buffer.from("defghij"));
    expect(out.result()).toEqual({ text: "abcdefghij", droppedBytes: 0 });
  });

  it("keeps head and tail with a marker line and counts what was dropped", () => {
    const out = new CappedOutput(10);
    for (const chunk of ["first\n", "middle-middle-middle\n", "xx", "last\n"]) out.push(Buffer.from(chunk));
    // 34 bytes, cap 10: "first" (5) + the last 5 bytes "last\n"
    expect(out.result()).toEqual({ text: `first\n${omittedMarker(24)}\nlast\n`, droppedBytes: 24 });
  });

  it("keeps the last bytes across many small chunks", () => {
    const out = new CappedOutput(8);
    for (let i = 0; i < 1000; i++) out.push(Buffer.from(`${i % 10}`));
    const { text, droppedBytes } = out.result();
    expect(droppedBytes).toBe(992);
    expect(text).toBe(`0123\n${omittedMarker(992)}\n6789`);
  });

  it("handles a single chunk far larger than the cap", () => {
    const out = new CappedOutput(6);
    out.push(Buffer.from("abcdefghijklmnopqrstuvwxyz"));
    expect(out.result()).toEqual({ text: `abc\n${omittedMarker(20)}\nxyz`, droppedBytes: 20 });
    expect(out.totalBytes).toBe(26);
  });

  it("never cuts a UTF-8 character in half", () => {
    const out = new CappedOutput(6);
    out.push(Buffer.from("ééééé€€€€€")); // 5 x 2 + 5 x 3 = 25 bytes
    // The head's 3 bytes end inside the second "é": only the first is kept.
    expect(out.result()).toEqual({ text: `é\n${omittedMarker(20)}\n€`, droppedBytes: 20 });
  });

  it("keeps nothing with a zero cap but still counts", () => {
    const out = new CappedOutput(0);
    out.push(Buffer.from("abc"));
    expect(out.result()).toEqual({ text: `${omittedMarker(3)}\n`, droppedBytes: 3 });
  });
});

describe("utf8 boundaries", () => {
  it("finds a safe end before an incomplete sequence", () => {
    const euro = Buffer.from("€"); // e2 82 ac
    expect(utf8SafeEnd(Buffer.concat([Buffer.from("a"), euro.subarray(0, 2)]))).toBe(1);
    expect(utf8SafeEnd(Buffer.concat([Buffer.from("a"), euro]))).toBe(4);
    expect(utf8SafeEnd(Buffer.from("abc"))).toBe(3);
  });

  it("skips continuation bytes at the start", () => {
    const euro = Buffer.from("€");
    expect(utf8SafeStart(Buffer.concat([euro.subarray(1), Buffer.from("z")]))).toBe(2);
    expect(utf8SafeStart(Buffer.from("z"))).toBe(0);
  });
});

describe("OutputCollector", () => {
  it("keeps streams apart, forwards text and totals dropped bytes", () => {
    const seen: Array<[string, string]> = [];
    const collector = new OutputCollector({ capBytes: 4, forwardCapBytes: 100 }, (s, t) => seen.push([s, t]));
    collector.sink("stdout", Buffer.from("123456"));
    collector.sink("stderr", Buffer.from("ab"));
    const result = collector.finish();
    expect(result.stdout).toBe(`12\n${omittedMarker(2)}\n56`);
    expect(result.stderr).toBe("ab");
    expect(result.truncatedBytes).toBe(2);
    expect(seen).toEqual([
      ["stdout", "123456"],
      ["stderr", "ab"],
    ]);
  });

  it("does not split characters across onOutput calls", () => {
    const seen: string[] = [];
    const collector = new OutputCollector({ capBytes: 100, forwardCapBytes: 100 }, (_s, t) => seen.push(t));
    const euro = Buffer.from("€");
    collector.sink("stdout", euro.subarray(0, 1));
    collector.sink("stdout", euro.subarray(1));
    collector.finish();
    expect(seen).toEqual(["€"]);
  });

  it("stops forwarding at the forward cap and survives a throwing listener", () => {
    const seen: string[] = [];
    const collector = new OutputCollector({ capBytes: 100, forwardCapBytes: 5 }, (_s, t) => {
      seen.push(t);
      throw new Error("listener bug");
    });
    collector.sink("stdout", Buffer.from("abc"));
    collector.sink("stdout", Buffer.from("defgh"));
    collector.sink("stdout", Buffer.from("ijk"));
    expect(collector.finish().stdout).toBe("abcdefghijk");
    expect(seen[0]).toBe("abc");
    expect(seen[1]).toBe("de");
    expect(seen[2]).toContain("live output stopped after 5 bytes");
    expect(seen).toHaveLength(3);
  });
});
