import { captureInt, dropParents, unique } from "./text.js";
import type { TestReport } from "./types.js";

const SEP = " > ";
const SUITE_OPEN = /^(\s*)▶ (.*?)\s*$/;
const FAILED = /^(\s*)✖ (.*?)(?: \([\d.]+m?s\))?(?: # (\w+).*)?\s*$/;

interface Open {
  indent: number;
  name: string;
}

/** Parses node:test's spec reporter: `ℹ pass N`, `ℹ fail N` and the `✖ name` tree. */
export function parseNodeSpec(text: string): TestReport | undefined {
  const pass = captureInt(text, /^ℹ pass (\d+)\s*$/m);
  const fail = captureInt(text, /^ℹ fail (\d+)\s*$/m);
  if (pass === undefined || fail === undefined) return undefined;
  const cancelled = captureInt(text, /^ℹ cancelled (\d+)\s*$/m) ?? 0;
  const skipped = (captureInt(text, /^ℹ skipped (\d+)\s*$/m) ?? 0) + (captureInt(text, /^ℹ todo (\d+)\s*$/m) ?? 0);
  return {
    format: "node-spec",
    counts: { passed: pass, failed: fail + cancelled, skipped },
    failedTests: dropParents(unique(failedInTree(text)), SEP),
  };
}

/**
 * Reads the result tree only: the "failing tests:" recap that newer Node versions print after
 * it repeats the failures without their suites.
 */
function failedInTree(text: string): string[] {
  const open: Open[] = [];
  const failed: string[] = [];
  for (const line of text.split("\n")) {
    if (/^✖ failing tests:/.test(line)) break;
    const suite = SUITE_OPEN.exec(line);
    const fail = suite ? null : FAILED.exec(line);
    const match = suite ?? fail;
    // A failing `todo` test does not fail the run.
    if (!match || fail?.[3]?.toUpperCase() === "TODO") continue;
    const indent = match[1]!.length;
    while (open.length > 0 && open.at(-1)!.indent >= indent) open.pop();
    if (suite) open.push({ indent, name: suite[2]! });
    else failed.push([...open.map((o) => o.name), match[2]!].join(SEP));
  }
  return failed;
}
