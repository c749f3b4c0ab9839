import { parseAva } from "./ava.js";
import { parseCargoTest } from "./cargo-test.js";
import { parseGoTest } from "./go-test.js";
import { parseJest } from "./jest.js";
import { parseJUnitXml } from "./junit.js";
import { parseMocha } from "./mocha.js";
import { parseNodeSpec } from "./node-spec.js";
import { parsePytest } from "./pytest.js";
import { parseTap } from "./tap.js";
import { cleanOutput } from "./text.js";
import type { TestOutputParser, TestReport } from "./types.js";
import { parseUnittest } from "./unittest.js";
import { parseVitest } from "./vitest.js";

export { cleanOutput } from "./text.js";
export type { TestCounts, TestOutputParser, TestReport } from "./types.js";
export {
  parseAva,
  parseCargoTest,
  parseGoTest,
  parseJest,
  parseJUnitXml,
  parseMocha,
  parseNodeSpec,
  parsePytest,
  parseTap,
  parseUnittest,
  parseVitest,
};

/**
 * Most specific summary first: each parser insists on its runner's own summary line, but
 * looser formats (bare TAP, JUnit markup) could appear inside another runner's output.
 */
const PARSERS: readonly TestOutputParser[] = [
  parseCargoTest,
  parsePytest,
  parseUnittest,
  parseVitest,
  parseJest,
  parseMocha,
  parseNodeSpec,
  parseAva,
  parseGoTest,
  parseTap,
  parseJUnitXml,
];

/** Recognises a test runner's output (ANSI colours allowed) and returns the first confident parse, or undefined. */
export function parseTestOutput(text: string): TestReport | undefined {
  const clean = cleanOutput(text);
  for (const parse of PARSERS) {
    const report = parse(clean);
    if (report) return report;
  }
  return undefined;
}
