import { captureInt, dropParents, unique } from "./text.js";
import type { TestCounts, TestReport } from "./types.js";

const SEP = " > ";
const SUBTEST = /^(\s*)# Subtest: (.*)$/;
const RESULT = /^(\s*)(ok|not ok) \d+(?: - (.*?))?(?: # (SKIP|TODO)\b.*)?$/i;

interface Open {
  indent: number;
  name: string;
}

/** Parses TAP as written by node:test, tape and friends: `# pass N`, `# fail N`, `not ok N - name`. */
export function parseTap(text: string): TestReport | undefined {
  const pass = captureInt(text, /^# pass\s+(\d+)\s*$/m);
  const fail = captureInt(text, /^# fail\s+(\d+)\s*$/m);
  const hasPlan = /^TAP version \d+|^1\.\.\d+\s*$/m.test(text);
  if (pass === undefined && fail === undefined && !hasPlan) return undefined;
  const results = readResults(text);
  if (pass === undefined && fail === undefined && results.top === 0) return undefined;
  const counts: TestCounts =
    pass !== undefined || fail !== undefined
      ? {
          passed: pass ?? 0,
          failed: (fail ?? 0) + (captureInt(text, /^# cancelled\s+(\d+)\s*$/m) ?? 0),
          skipped:
            (captureInt(text, /^# skip(?:ped)?\s+(\d+)\s*$/m) ?? 0) + (captureInt(text, /^# todo\s+(\d+)\s*$/m) ?? 0),
        }
      : results.counts;
  return { format: "tap", counts, failedTests: dropParents(unique(results.failed), SEP) };
}

/** Walks result lines, naming nested failures by their `# Subtest:` parents. */
function readResults(text: string): { failed: string[]; counts: TestCounts; top: number } {
  const open: Open[] = [];
  const failed: string[] = [];
  const counts: TestCounts = { passed: 0, failed: 0, skipped: 0 };
  let top = 0;
  for (const line of text.split("\n")) {
    const subtest = SUBTEST.exec(line);
    if (subtest) {
      popTo(open, subtest[1]!.length);
      open.push({ indent: subtest[1]!.length, name: subtest[2]! });
      continue;
    }
    const result = RESULT.exec(line);
    if (!result) continue;
    const indent = result[1]!.length;
    popTo(open, indent);
    const name = unescapeName(result[3] ?? "");
    const directive = result[4]?.toUpperCase();
    const ok = result[2]!.toLowerCase() === "ok";
    if (indent === 0) {
      top++;
      tally(counts, ok, directive);
    }
    if (!ok && directive !== "TODO") failed.push([...open.map((o) => o.name), name].join(SEP));
  }
  return { failed, counts, top };
}

function tally(counts: TestCounts, ok: boolean, directive: string | undefined): void {
  if (directive) counts.skipped++;
  else if (ok) counts.passed++;
  else counts.failed++;
}

/** Closes subtests at `indent` or deeper (a result line ends the subtest it reports). */
function popTo(open: Open[], indent: number): void {
  while (open.length > 0 && open.at(-1)!.indent >= indent) open.pop();
}

// TAP escapes `#` and `\` in descriptions.
function unescapeName(name: string): string {
  return name.replace(/\\([#\\])/g, "$1").trim();
}
