import { countWords, unique } from "./text.js";
import type { TestReport } from "./types.js";

// "Tests:       2 failed, 1 skipped, 4 passed, 7 total"
const SUMMARY = /^Tests:\s+(.+?,\s*\d+ total)\s*$/m;
const FILE = /^\s*FAIL\s+(.+?)\s*(?:\(\d[\d.]* m?s\))?\s*$/;
const BULLET = /^\s{2}● (.+?)\s*$/;

/** Parses jest's default reporter: the `Tests:` summary line and `● suite › name` headings. */
export function parseJest(text: string): TestReport | undefined {
  const summary = SUMMARY.exec(text);
  if (!summary) return undefined;
  const words = countWords(summary[1]!);
  return {
    format: "jest",
    counts: {
      passed: words.get("passed") ?? 0,
      failed: words.get("failed") ?? 0,
      skipped: (words.get("skipped") ?? 0) + (words.get("todo") ?? 0),
    },
    failedTests: unique(failedNames(text)),
  };
}

/** Names are "file > suite > test", so the same test name in two files stays two tests. */
function failedNames(text: string): string[] {
  const names: string[] = [];
  let file = "";
  for (const line of text.split("\n")) {
    const fileMatch = FILE.exec(line);
    if (fileMatch) {
      file = fileMatch[1]!;
      continue;
    }
    const bullet = BULLET.exec(line);
    if (!bullet || bullet[1] === "Console") continue;
    // A file that could not load has no test names: the file itself is the failure.
    const title = bullet[1] === "Test suite failed to run" ? [] : bullet[1]!.split(" › ");
    names.push([file, ...title].filter((part) => part !== "").join(" > "));
  }
  return names;
}
