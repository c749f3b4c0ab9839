// Typographic punctuation a model tends to write as ASCII (or the other way round).
const PUNCTUATION: Record<string, string> = {
  "\u2010": "-",
  "\u2011": "-",
  "\u2012": "-",
  "\u2013": "-",
  "\u2014": "-",
  "\u2015": "-",
  "\u2212": "-",
  "\u2018": "'",
  "\u2019": "'",
  "\u201A": "'",
  "\u201B": "'",
  "\u201C": '"',
  "\u201D": '"',
  "\u201E": '"',
  "\u201F": '"',
  "\u00A0": " ",
  "\u2002": " ",
  "\u2003": " ",
  "\u2004": " ",
  "\u2005": " ",
  "\u2006": " ",
  "\u2007": " ",
  "\u2008": " ",
  "\u2009": " ",
  "\u200A": " ",
  "\u202F": " ",
  "\u205F": " ",
  "\u3000": " ",
};
const PUNCTUATION_RE = new RegExp(`[${Object.keys(PUNCTUATION).join("")}]`, "g");

/** Trims a line and maps typographic dashes, quotes and spaces to ASCII. */
export function normalisePunctuation(line: string): string {
  return line.trim().replace(PUNCTUATION_RE, (c) => PUNCTUATION[c] ?? c);
}

type Compare = (line: string) => string;

// Strictest first, so that a fuzzy pass never wins over an exact match further down the file.
const PASSES: Compare[] = [(s) => s, (s) => s.trimEnd(), (s) => s.trim(), normalisePunctuation];

/**
 * Finds `pattern` as consecutive lines of `lines` at or after `start` (Codex's seek_sequence):
 * exact, then ignoring trailing whitespace, then leading and trailing, then punctuation. With
 * `eof`, a match at the very end of the file is tried first. Returns the index or null.
 */
export function seekSequence(lines: string[], pattern: string[], start: number, eof: boolean): number | null {
  if (pattern.length === 0) return start;
  if (pattern.length > lines.length) return null;
  const last = lines.length - pattern.length;
  const from = eof ? last : start;
  for (const compare of PASSES) {
    const wanted = pattern.map(compare);
    for (let i = from; i <= last; i++) {
      if (matchesAt(lines, wanted, i, compare)) return i;
    }
  }
  // An end-of-file chunk that is not at the end still applies where it matches (Codex does too).
  return eof && start < from ? seekSequence(lines, pattern, start, false) : null;
}

function matchesAt(lines: string[], wanted: string[], at: number, compare: Compare): boolean {
  for (let j = 0; j < wanted.length; j++) {
    if (compare(lines[at + j] ?? "") !== wanted[j]) return false;
  }
  return true;
}
