const ENTITIES: Record<string, string> = {
  amp: "&",
  lt: "<",
  gt: ">",
  quot: '"',
  apos: "'",
  nbsp: " ",
  mdash: "—",
  ndash: "–",
  hellip: "…",
  copy: "©",
};

/** Replaces a match with as many newlines as it spans, so that line numbers stay those of the HTML. */
function blank(match: string): string {
  return match.replace(/[^\n]/g, "");
}

/**
 * Reduces HTML to Markdown-ish text with the same line numbers as the source: scripts, styles
 * and comments dropped, headings turned into `#` headings, other tags removed, entities decoded.
 */
export function htmlToText(html: string): string {
  return html
    .replace(/<!--[\s\S]*?-->/g, blank)
    .replace(/<(script|style|noscript|template|svg)\b[\s\S]*?<\/\1\s*>/gi, blank)
    .replace(/<h([1-6])\b[^>]*>/gi, (_m, level: string) => `${"#".repeat(Number(level))} `)
    .replace(/<li\b[^>]*>/gi, "- ")
    .replace(/<(?:br|\/p|\/div|\/li|\/tr|\/td|\/th)\b[^>]*>/gi, " ")
    .replace(/<[^>]*>/g, blank)
    .replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, decodeEntity)
    .replace(/[ \t]+$/gm, "");
}

function decodeEntity(whole: string, name: string): string {
  if (name.startsWith("#x") || name.startsWith("#X")) return safeCodePoint(Number.parseInt(name.slice(2), 16), whole);
  if (name.startsWith("#")) return safeCodePoint(Number.parseInt(name.slice(1), 10), whole);
  return ENTITIES[name.toLowerCase()] ?? whole;
}

function safeCodePoint(code: number, fallback: string): string {
  return Number.isInteger(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : fallback;
}
