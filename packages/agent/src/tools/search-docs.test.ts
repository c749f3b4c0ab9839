import { PatchbayError } from "@patchbay/core";
import { describe, expect, it } from "vitest";
import { formatChunks, runSearchDocs } from "./search-docs.js";

const chunk = {
  source: "upload",
  path: "ops/runbook.md",
  startLine: 6,
  endLine: 7,
  text: "Use make rollback.",
  headingPath: ["Runbook", "Rolling back"],
};

describe("search_docs", () => {
  it("passes query and k to the search and shows each passage with path, lines and heading", async () => {
    const seen: Array<[string, number]> = [];
    const run = await runSearchDocs('{"query": "roll back", "k": 2}', async (q, k) => {
      seen.push([q, k]);
      return [chunk];
    });
    expect(seen).toEqual([["roll back", 2]]);
    expect(run).toEqual({
      ok: true,
      output: "[1] ops/runbook.md:6-7 (upload) — Runbook > Rolling back\nUse make rollback.",
    });
  });

  it("defaults k to 5 and tells the model how to call it when the arguments do not fit", async () => {
    let k = 0;
    await runSearchDocs('{"query": "x"}', async (_q, n) => {
      k = n;
      return [];
    });
    expect(k).toBe(5);
    expect(await runSearchDocs("{}", async () => [])).toMatchObject({
      ok: false,
      output: expect.stringContaining('"query"'),
    });
    expect(await runSearchDocs("not json", async () => [])).toMatchObject({ ok: false });
  });

  it("reports a failing search to the model but lets cancellation through", async () => {
    expect(await runSearchDocs('{"query": "x"}', () => Promise.reject(new Error("db down")))).toEqual({
      ok: false,
      output: "search_docs failed: db down",
    });
    await expect(
      runSearchDocs('{"query": "x"}', () => Promise.reject(new PatchbayError("cancelled", "stop"))),
    ).rejects.toThrow("stop");
  });

  it("says so when nothing matched", () => {
    expect(formatChunks([])).toBe("No matching documentation found.");
  });
});
