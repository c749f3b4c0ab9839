import { captureInt, unique } from "./text.js";
import type { TestReport } from "./types.js";

const ENTRY = /^ {2}(\d+)\) (.*)$/;

/** Parses mocha's spec/dot reporters: `N passing`, `N pending`, `N failing` and the numbered failure list. */
export function parseMocha(text: string): TestReport | undefined {
  const passed = captureInt(text, /^\s*(\d+) passing \(\d+m?s\)\s*$/m);
  if (passed === undefined) return undefined;
  return {
    format: "mocha",
    counts: {
      passed,
      failed: captureInt(text, /^\s*(\d+) failing\s*$/m) ?? 0,
      skipped: captureInt(text, /^\s*(\d+) pending\s*$/m) ?? 0,
    },
    failedTests: unique(failedNames(text)),
  };
}

/**
 * After "N failing", each failure is "  1) outer" followed by ever deeper lines for inner
 * titles, the last ending in ":". The numbered lines before the summary lack their suites.
 */
function failedNames(text: string): string[] {
  const lines = text.split("\n");
  const start = lines.findIndex((line) => /^\s*\d+ failing\s*$/.test(line));
  if (start < 0) return [];
  const names: string[] = [];
  for (let i = start + 1; i < lines.length; i++) {
    const entry = ENTRY.exec(lines[i]!);
    if (!entry) continue;
    const parts = [entry[2]!.trim()];
    while (!parts.at(-1)!.endsWith(":") && i + 1 < lines.length && /^ {5,}\S/.test(lines[i + 1]!)) {
      parts.push(lines[++i]!.trim());
    }
    parts[parts.length - 1] = parts.at(-1)!.replace(/:$/, "");
    names.push(parts.join(" > "));
  }
  return names;
}
