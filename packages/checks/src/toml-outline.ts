/**
 * The tables and keys of a TOML document (pyproject.toml), without parsing values: enough to
 * know which extras, dependency groups and tool sections a project declares, and to read arrays
 * of strings. Multi-line arrays are joined onto one line, multi-line strings skipped; dotted keys
 * (`a.b = 1` in `[t]`) land in table `t.a` as key `b`. Table and key names are unquoted.
 */
export type TomlOutline = ReadonlyMap<string, ReadonlyMap<string, string>>;

const BARE = "[A-Za-z0-9_-]+";
const KEY_PART = String.raw`(?:"(?:[^"\\]|\\.)*"|'[^']*'|${BARE})`;
const KEY_LINE = new RegExp(String.raw`^(${KEY_PART}(?:\s*\.\s*${KEY_PART})*)\s*=\s*(.*)$`);
const HEADER = /^\[\[?\s*(.+?)\s*\]\]?$/;

/** Table name ("" for the root) → key → the value's raw text (multi-line arrays and inline tables joined on one line). */
export function tomlOutline(text: string): TomlOutline {
  const tables = new Map<string, Map<string, string>>([["", new Map()]]);
  const table = (name: string) => {
    const found = tables.get(name) ?? new Map<string, string>();
    tables.set(name, found);
    return found;
  };
  let current = "";
  let depth = 0;
  let closing: string | null = null;
  let pending: { table: Map<string, string>; key: string } | null = null;
  for (const raw of text.split(/\r?\n/)) {
    if (closing !== null) {
      if (raw.includes(closing)) closing = null;
      continue;
    }
    if (depth > 0 && pending) {
      const line = stripComment(raw).trim();
      pending.table.set(pending.key, `${pending.table.get(pending.key)} ${line}`);
      depth += bracketDelta(line);
      continue;
    }
    const line = stripComment(raw).trim();
    const header = HEADER.exec(line);
    if (header) {
      current = keyPath(header[1]!).join(".");
      table(current);
      continue;
    }
    const entry = KEY_LINE.exec(line);
    if (!entry) continue;
    const path = keyPath(entry[1]!);
    const value = entry[2]!;
    const key = path.pop()!;
    const target = table([current, ...path].filter((p) => p !== "").join("."));
    target.set(key, value);
    pending = { table: target, key };
    closing = openMultilineString(value);
    if (closing === null) depth = Math.max(0, bracketDelta(value));
  }
  return tables;
}

/** The keys of a one-line inline table value (`{ test = [...], dev = [...] }`). */
export function inlineTableKeys(value: string): string[] {
  const keys: string[] = [];
  let depth = 0;
  let start = -1;
  for (let i = 0; i < value.length; i++) {
    const ch = value[i]!;
    if (ch === '"' || ch === "'") {
      i = stringEnd(value, i);
      continue;
    }
    if (ch === "{" || ch === "[") depth++;
    else if (ch === "}" || ch === "]") depth--;
    if (depth === 1 && (ch === "{" || ch === ",")) start = i + 1;
    if (depth === 1 && ch === "=" && start >= 0) {
      keys.push(keyPath(value.slice(start, i)).join("."));
      start = -1;
    }
  }
  return keys;
}

/** Splits a (possibly quoted, dotted) key into its parts. */
function keyPath(key: string): string[] {
  const parts: string[] = [];
  const re = new RegExp(`\\s*(${KEY_PART})\\s*(?:\\.|$)`, "y");
  for (let match = re.exec(key); match && match[0] !== ""; match = re.exec(key)) {
    const part = match[1]!;
    parts.push(/^["']/.test(part) ? part.slice(1, -1) : part);
  }
  return parts;
}

function stripComment(line: string): string {
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (ch === '"' || ch === "'") i = stringEnd(line, i);
    else if (ch === "#") return line.slice(0, i);
  }
  return line;
}

/** Net count of `[`/`{` over `]`/`}` outside strings and comments. */
function bracketDelta(text: string): number {
  let delta = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '"' || ch === "'") i = stringEnd(text, i);
    else if (ch === "#") break;
    else if (ch === "[" || ch === "{") delta++;
    else if (ch === "]" || ch === "}") delta--;
  }
  return delta;
}

/** The delimiter a value opens and does not close on its line (`"""` or `'''`), else null. */
function openMultilineString(value: string): string | null {
  for (const quote of ['"""', "'''"]) {
    if (value.startsWith(quote) && !value.slice(3).includes(quote)) return quote;
  }
  return null;
}

/** Index of the quote closing the string that starts at `start` (the line's end when unclosed). */
function stringEnd(text: string, start: number): number {
  const quote = text[start]!;
  for (let i = start + 1; i < text.length; i++) {
    if (quote === '"' && text[i] === "\\") i++;
    else if (text[i] === quote) return i;
  }
  return text.length;
}

/** The strings of an array value (`["a", 'b']`), and the `{include-group = "x"}` names in it. */
export function tomlStringArray(value: string): { strings: string[]; includeGroups: string[] } {
  const includeGroups: string[] = [];
  const rest = value.replace(
    /\{\s*include-group\s*=\s*(?:"([^"]*)"|'([^']*)')\s*\}/g,
    (_: string, a: string | undefined, b: string | undefined) => {
      includeGroups.push(a ?? b ?? "");
      return "";
    },
  );
  const strings: string[] = [];
  for (const match of rest.matchAll(/"((?:[^"\\]|\\.)*)"|'([^']*)'/g)) {
    strings.push(match[1] !== undefined ? match[1].replace(/\\(["\\])/g, "$1") : match[2]!);
  }
  return { strings, includeGroups };
}
