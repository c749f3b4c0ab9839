import { describe, expect, it } from "vitest";
import { parseAva } from "./ava.js";

// Shapes from ava 7's default reporter (lib/reporters/default.js): the tick line of a failure
// carries the error message after the title; the details start with the bare title.
const FAIL_WITH_MESSAGE = `
  ✔ math › adds two numbers
  ✘ [fail]: parser › rejects an empty name Expected a name
  ✔ [expected fail]: parser › is known to be broken
  - [todo] parser › handles unicode
  ─

  parser › rejects an empty name

  test/parser.test.js:6

  Expected a name

  ─

  1 test failed
  1 known failure
  1 test todo
`;

describe("parseAva", () => {
  it("cuts the error message off a failing title and writes › as >", () => {
    expect(parseAva(FAIL_WITH_MESSAGE)).toEqual({
      format: "ava",
      counts: { passed: 1, failed: 1, skipped: 2 },
      failedTests: ["parser > rejects an empty name"],
    });
  });

  it("reads a passing run's summary", () => {
    const text =
      "\n  ✔ adds two numbers\n  ✔ multiplies two numbers\n  - [skip] talks to the network\n  ─\n\n  2 tests passed\n  1 test skipped\n";
    expect(parseAva(text)).toEqual({ format: "ava", counts: { passed: 2, failed: 0, skipped: 1 }, failedTests: [] });
  });

  it("does not claim other runners' output", () => {
    expect(parseAva("  ✔ adds two numbers\n\n  1 passing (3ms)\n")).toBeUndefined();
    expect(parseAva("3 tests passed\n")).toBeUndefined();
  });
});
