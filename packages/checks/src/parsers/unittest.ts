import { captureInt, unique } from "./text.js";
import type { TestReport } from "./types.js";

const RAN = /^Ran (\d+) tests? in [\d.]+s\s*$/m;
const RESULT = /^(OK|FAILED|NO TESTS RAN)(?: \(([^)]*)\))?\s*$/m;
// "FAIL: test_sub (pkg.module.Class.test_sub)" on Python 3.11+, "(pkg.module.Class)" before.
const HEADING = /^(?:FAIL|ERROR|UNEXPECTED SUCCESS): (\S+) \(([^)]+)\)/;

/** Parses unittest's runner output: `Ran N tests`, `OK (skipped=1)` / `FAILED (failures=1, errors=1)`, `FAIL: name (id)`. */
export function parseUnittest(text: string): TestReport | undefined {
  const total = captureInt(text, RAN);
  const result = RESULT.exec(text.slice(text.search(RAN)));
  if (total === undefined || !result) return undefined;
  const detail = result[2] ?? "";
  const field = (name: string) => captureInt(detail, new RegExp(`(?:^|, )${name}=(\\d+)`)) ?? 0;
  const failed = field("failures") + field("errors") + field("unexpected successes");
  const skipped = field("skipped") + field("expected failures");
  return {
    format: "unittest",
    counts: { passed: Math.max(0, total - failed - skipped), failed, skipped },
    failedTests: unique(failedNames(text)),
  };
}

function failedNames(text: string): string[] {
  const names: string[] = [];
  for (const line of text.split("\n")) {
    const match = HEADING.exec(line);
    if (!match) continue;
    const method = match[1]!;
    const id = match[2]!;
    names.push(id.endsWith(`.${method}`) ? id : `${id}.${method}`);
  }
  return names;
}
