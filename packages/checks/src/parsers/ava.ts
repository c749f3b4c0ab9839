import { unique } from "./text.js";
import type { TestReport } from "./types.js";

// ava's end-of-run lines: "1 test failed", "3 tests passed", "1 known failure", "2 tests todo".
const SUMMARY = /^\s*(\d+) (tests?|hooks?|known failures?)(?: (passed|failed|skipped|todo))?\s*$/gm;
const FAILED = /^\s*✘ \[(?:fail|unexpected pass)\]: (.+?)\s*$/;
const PASSED = /^\s*✔ (?!\[expected fail\])/;
const SEPARATOR = /^\s*─\s*$/;
const TITLE_SEP = " › ";

/**
 * Parses ava's default reporter: `✔ title`, `✘ [fail]: title message`, `- [skip] title` and
 * the closing `N tests failed` / `N tests passed` / `N tests skipped` lines. Names are ava's
 * titles (`file › title` when several files ran) with ` › ` written as ` > `.
 */
export function parseAva(text: string): TestReport | undefined {
  const summary = readSummary(text);
  if (summary.size === 0 || !/^\s*(?:✔ |✘ \[|- \[(?:skip|todo)\] )/m.test(text)) return undefined;
  const lines = text.split("\n");
  const titles = failureTitles(lines);
  const failed = lines.flatMap((line) => {
    const match = FAILED.exec(line);
    return match ? [toName(titleOf(match[1]!, titles))] : [];
  });
  return {
    format: "ava",
    counts: {
      // ava leaves "N tests passed" out when something failed: count the ticks then.
      passed: summary.get("tests passed") ?? lines.filter((line) => PASSED.test(line)).length,
      failed:
        (summary.get("tests failed") ?? 0) +
        (summary.get("hooks failed") ?? 0) +
        (summary.get("tests remained pending after a timeout") ?? 0),
      skipped:
        (summary.get("tests skipped") ?? 0) + (summary.get("tests todo") ?? 0) + (summary.get("known failures") ?? 0),
    },
    failedTests: unique(failed),
  };
}

/** Summary counts keyed "tests passed", "hooks failed", "known failures" (plurals folded). */
function readSummary(text: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const match of text.matchAll(SUMMARY)) {
    const noun = match[2]!.endsWith("s") ? match[2]! : `${match[2]!}s`;
    const key = match[3] ? `${noun} ${match[3]}` : noun;
    counts.set(key, (counts.get(key) ?? 0) + Number.parseInt(match[1]!, 10));
  }
  const pending = /^\s*(\d+) tests? remained pending after a timeout\s*$/m.exec(text);
  if (pending) counts.set("tests remained pending after a timeout", Number.parseInt(pending[1]!, 10));
  return counts;
}

/**
 * The `✘ [fail]:` line appends the error message to the title; each failure's details, after a
 * `─` line, start with the bare title. Those titles are used to cut the message off.
 */
function failureTitles(lines: string[]): string[] {
  const titles: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!SEPARATOR.test(lines[i]!)) continue;
    const next = lines.slice(i + 1).find((line) => line.trim() !== "");
    if (next !== undefined && !SEPARATOR.test(next)) titles.push(next.trim());
  }
  return titles;
}

function titleOf(line: string, titles: string[]): string {
  const matches = titles.filter((title) => line === title || line.startsWith(`${title} `));
  return matches.sort((a, b) => b.length - a.length)[0] ?? line;
}

function toName(title: string): string {
  return title.split(TITLE_SEP).join(" > ");
}
