import type { ListedOutcome, TestLister } from "./listed-types.js";
import { readTap, type TapPoint } from "./tap-tree.js";

const SEP = " > ";
type Out = Map<string, ListedOutcome>;

/** The listers of the JavaScript runners' formats (and TAP), by parser format. */
export const JS_LISTERS: Record<string, TestLister> = {
  tap: listTap,
  jest: listJest,
  vitest: listVitest,
  mocha: listMocha,
  "node-spec": listNodeSpec,
  ava: listAva,
};

/** Every TAP point, parents included, by its path of names (as parseTap names failures). */
function listTap(text: string, out: Out): void {
  const walk = (points: TapPoint[], path: string[], directive: boolean) => {
    for (const point of points) {
      const name = [...path, point.name];
      const skipped = directive || point.directive !== undefined;
      out.set(name.join(SEP), skipped ? "skipped" : point.ok ? "passed" : "failed");
      walk(point.children, name, skipped);
    }
  };
  walk(readTap(text).points, [], false);
}

/** A stack of the suites open at each indentation, for runners that print a tree. */
class Suites {
  private readonly open: { indent: number; name: string }[] = [];
  /** The path of the suites enclosing a line at `indent` (deeper or equal ones closed). */
  at(indent: number): string[] {
    while (this.open.length > 0 && this.open.at(-1)!.indent >= indent) this.open.pop();
    return this.open.map((s) => s.name);
  }
  push(indent: number, name: string): void {
    this.at(indent);
    this.open.push({ indent, name });
  }
  clear(): void {
    this.open.length = 0;
  }
}

const indentOf = (line: string) => line.length - line.trimStart().length;

const JEST_FILE = /^(?:PASS|FAIL)\s+(.+?)\s*(?:\(\d[\d.]* m?s\))?\s*$/;
const JEST_TEST = /^\s+(✓|✕|○|✎) (?:(?:skipped|todo) )?(.+?)(?: \(\d[\d.]* m?s\))?\s*$/;
const JEST_MARKS: Record<string, ListedOutcome> = { "✓": "passed", "✕": "failed", "○": "skipped", "✎": "skipped" };

/** jest's verbose tree under `PASS file` / `FAIL file`: `file > suite > test`. */
function listJest(text: string, out: Out): void {
  let file: string | null = null;
  const suites = new Suites();
  for (const line of text.split("\n")) {
    const header = JEST_FILE.exec(line);
    if (header) {
      file = header[1]!;
      suites.clear();
      continue;
    }
    if (file === null) continue;
    if (line.trim() === "" || /^\s*● /.test(line)) {
      file = null;
      continue;
    }
    const test = JEST_TEST.exec(line);
    if (test) out.set([file, ...suites.at(indentOf(line)), test[2]!].join(SEP), JEST_MARKS[test[1]!]!);
    else suites.push(indentOf(line), line.trim());
  }
}

// vitest's verbose reporter: " ✓ file > suite > test 2ms", " × …", " ↓ … [skipped]".
const VITEST_TEST = /^\s*(✓|√|×|✗|↓) (?:\|[^|]+\| )?(.+? > .+?)(?: \[skipped\])?(?: \d[\d.]*m?s)?\s*$/;
const VITEST_MARKS: Record<string, ListedOutcome> = {
  "✓": "passed",
  "√": "passed",
  "×": "failed",
  "✗": "failed",
  "↓": "skipped",
};

/** vitest's verbose lines, which carry the whole `file > suite > test` name. */
function listVitest(text: string, out: Out): void {
  for (const line of text.split("\n")) {
    const test = VITEST_TEST.exec(line);
    if (test) out.set(test[2]!, VITEST_MARKS[test[1]!]!);
  }
}

const MOCHA_TEST = /^(\s+)(?:(✔|✓)|(\d+)\)|(-)) (.+?)(?: \(\d+m?s\))?\s*$/;

/** mocha's spec tree (before the `N passing` summary): `suite > test`, no file. */
function listMocha(text: string, out: Out): void {
  const suites = new Suites();
  for (const line of text.split("\n")) {
    if (/^\s*\d+ passing \(/.test(line)) return;
    const indent = indentOf(line);
    // npm's "> pkg test" lines and other unindented text are no suites.
    if (line.trim() === "" || indent < 2) continue;
    const test = MOCHA_TEST.exec(line);
    if (!test) {
      suites.push(indent, line.trim());
      continue;
    }
    const outcome: ListedOutcome = test[2] ? "passed" : test[3] ? "failed" : "skipped";
    out.set([...suites.at(indent), test[5]!].join(SEP), outcome);
  }
}

const NODE_SUITE = /^(\s*)▶ (.*?)\s*$/;
const NODE_TEST = /^(\s*)(✔|✖|﹣) (.*?)(?: \([\d.]+m?s\))?(?: # (\w+).*)?\s*$/;

/** node:test's spec tree (before its "failing tests:" recap): `suite > test`, no file. */
function listNodeSpec(text: string, out: Out): void {
  const suites = new Suites();
  for (const line of text.split("\n")) {
    if (/^✖ failing tests:/.test(line)) return;
    const suite = NODE_SUITE.exec(line);
    if (suite) {
      suites.push(suite[1]!.length, suite[2]!);
      continue;
    }
    const test = NODE_TEST.exec(line);
    if (!test) continue;
    const directive = test[4]?.toUpperCase();
    const outcome: ListedOutcome =
      test[2] === "﹣" || directive === "SKIP" || directive === "TODO"
        ? "skipped"
        : test[2] === "✔"
          ? "passed"
          : "failed";
    out.set([...suites.at(test[1]!.length), test[3]!].join(SEP), outcome);
  }
}

const AVA_PASSED = /^\s*✔ (?!\[expected fail\])(.+?)(?: \(\d[\d.]*m?s\))?\s*$/;
const AVA_SKIPPED = /^\s*- \[(?:skip|todo)\] (.+?)\s*$/;

/** ava's `✔ title` and `- [skip] title` lines (failures come from parseAva). */
function listAva(text: string, out: Out): void {
  const toName = (title: string) => title.split(" › ").join(SEP);
  for (const line of text.split("\n")) {
    const passed = AVA_PASSED.exec(line);
    if (passed) out.set(toName(passed[1]!), "passed");
    const skipped = AVA_SKIPPED.exec(line);
    if (skipped) out.set(toName(skipped[1]!), "skipped");
  }
}
