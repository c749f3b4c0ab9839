/** A token class the stylesheet colours: keyword, string, comment, number. */
export type Token = [text: string, cls: "k" | "s" | "c" | "n" | null];

interface Language {
  keywords: Set<string>;
  /** Line comment starts, e.g. "//" or "#". */
  comments: string[];
}

const words = (s: string) => new Set(s.split(" "));
const C_LIKE = ["//", "/*"];
const JS = words(
  "const let var function return if else for while do break continue switch case default new class extends import export from as async await try catch finally throw typeof instanceof in of this super null undefined true false void yield interface type enum implements public private protected readonly static",
);
const LANGUAGES: Record<string, Language> = {
  js: { keywords: JS, comments: C_LIKE },
  py: {
    keywords: words(
      "def class return if elif else for while break continue import from as try except finally raise with lambda yield pass None True False and or not in is global nonlocal async await assert del",
    ),
    comments: ["#"],
  },
  go: {
    keywords: words(
      "func package import return if else for range break continue switch case default go defer chan map struct interface type var const nil true false select fallthrough goto",
    ),
    comments: C_LIKE,
  },
  rs: {
    keywords: words(
      "fn let mut pub use mod struct enum impl trait for while loop if else match return break continue as ref move self Self crate super where async await dyn const static true false None Some Ok Err",
    ),
    comments: C_LIKE,
  },
  sh: {
    keywords: words("if then else elif fi for in do done while until case esac function return export local set"),
    comments: ["#"],
  },
  c: {
    keywords: words(
      "int char long short float double void unsigned signed struct union enum typedef static const extern return if else for while do break continue switch case default sizeof goto public private protected class template namespace new delete true false null",
    ),
    comments: C_LIKE,
  },
};
const BY_EXTENSION: Record<string, string> = {
  js: "js",
  mjs: "js",
  cjs: "js",
  jsx: "js",
  ts: "js",
  tsx: "js",
  mts: "js",
  cts: "js",
  java: "c",
  kt: "c",
  cs: "c",
  swift: "c",
  c: "c",
  h: "c",
  cc: "c",
  cpp: "c",
  hpp: "c",
  py: "py",
  rb: "py",
  go: "go",
  rs: "rs",
  sh: "sh",
  bash: "sh",
  yml: "sh",
  yaml: "sh",
  toml: "sh",
};

/** The language a path's extension names, or null (shown plain). */
export function languageOf(path: string): Language | null {
  const ext = /\.([A-Za-z0-9]+)$/.exec(path)?.[1]?.toLowerCase() ?? "";
  const name = BY_EXTENSION[ext];
  return name ? LANGUAGES[name]! : null;
}

const TOKEN = /("(?:[^"\\]|\\.)*"?|'(?:[^'\\]|\\.)*'?|`(?:[^`\\]|\\.)*`?)|(\b\d[\d_.]*\b)|([A-Za-z_$][\w$]*)/g;

/**
 * Splits one line of code into coloured tokens: strings, numbers, keywords, and a trailing
 * comment. Line by line on purpose: a diff shows fragments, so no state crosses lines.
 */
export function highlightLine(line: string, lang: Language): Token[] {
  const out: Token[] = [];
  let code = line;
  let comment = "";
  const cut = commentStart(line, lang.comments);
  if (cut >= 0) {
    code = line.slice(0, cut);
    comment = line.slice(cut);
  }
  let at = 0;
  for (const m of code.matchAll(TOKEN)) {
    const cls = m[1] ? "s" : m[2] ? "n" : lang.keywords.has(m[3]!) ? "k" : null;
    if (!cls) continue;
    if (m.index > at) out.push([code.slice(at, m.index), null]);
    out.push([m[0], cls]);
    at = m.index + m[0].length;
  }
  if (at < code.length) out.push([code.slice(at), null]);
  if (comment) out.push([comment, "c"]);
  return out;
}

/** Where a comment starts, outside of strings; -1 when the line has none. */
function commentStart(line: string, starts: string[]): number {
  let quote = "";
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quote) {
      if (ch === "\\") i++;
      else if (ch === quote) quote = "";
      continue;
    }
    if (ch === '"' || ch === "'" || ch === "`") quote = ch;
    else if (starts.some((s) => line.startsWith(s, i))) return i;
  }
  return -1;
}
