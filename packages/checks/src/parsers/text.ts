// ANSI CSI sequences (colours, cursor moves) and OSC sequences (hyperlinks), which runners emit
// even without a TTY when FORCE_COLOR or CI-detection says so.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching escape sequences is the point
const ANSI = /\u001b\[[0-9;?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)/g;

/** Removes ANSI escape sequences and carriage-return line endings. */
export function cleanOutput(text: string): string {
  return text.replace(ANSI, "").replace(/\r\n?/g, "\n");
}

/** Integer value of the first capture group of `pattern` in `text`, or undefined. */
export function captureInt(text: string, pattern: RegExp): number | undefined {
  const match = pattern.exec(text);
  return match?.[1] === undefined ? undefined : Number.parseInt(match[1], 10);
}

/** Unique values in first-seen order. */
export function unique(values: Iterable<string>): string[] {
  return [...new Set(values)];
}

/**
 * Drops names that are a prefix path of another name: a suite reported as failing only because
 * one of its tests failed is not a failing test of its own.
 */
export function dropParents(names: string[], separator: string): string[] {
  return names.filter((name) => !names.some((other) => other !== name && other.startsWith(name + separator)));
}

/** Reads "N word" pairs ("2 failed", "3 passed") from a summary fragment into a map. */
export function countWords(fragment: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const match of fragment.matchAll(/(\d+) ([a-z]+)/gi)) {
    const word = match[2]!.toLowerCase();
    counts.set(word, (counts.get(word) ?? 0) + Number.parseInt(match[1]!, 10));
  }
  return counts;
}
