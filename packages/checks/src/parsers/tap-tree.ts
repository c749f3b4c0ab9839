/** One TAP test point, with the subtests reported before it (indented, TAP 14 and node:test style). */
export interface TapPoint {
  ok: boolean;
  /** The description without the number, the optional ` - `, the directive or other `#` comments. */
  name: string;
  directive?: "skip" | "todo";
  children: TapPoint[];
}

/** What a TAP stream says, as a tree of test points and the stream-level lines around them. */
export interface TapDocument {
  /** Test points at the outermost level, in order. */
  points: TapPoint[];
  /** The outermost plan (`1..N`), when there was one. */
  planned?: number;
  /** The reason given by the first `Bail out!`, "" when none was given; undefined when the run did not bail out. */
  bailOut?: string;
  /** Outermost `# name N` comments (`# pass 3`, `# skipped 1`), the producer's own summary. */
  summary: Map<string, number>;
  /** Skips tape reports only as a comment (`# SKIP name`), never as a test point. */
  skipComments: number;
  /** True when the stream has `# Subtest:` headers (node:test, tap): comments then never name tests. */
  hasSubtestHeaders: boolean;
}

const POINT = /^(\s*)(not ok|ok)(?=\s|$)(.*)$/;
const PLAN = /^(\s*)1\.\.(\d+)\s*(?:#.*)?$/;
const BAIL_OUT = /^\s*Bail out!(.*)$/;
const COMMENT = /^(\s*)#(.*)$/;
const SUBTEST = /^\s*Subtest: (.*)$/;
const SUMMARY = /^\s*(tests|pass|fail|skip|skipped|todo|cancelled)\s+(\d+)\s*$/;
const DIRECTIVE = /^\s*(skip|todo)\S*(?:\s|$)/i;
const TAPE_SKIP = /^ SKIP\s/;
const GROUP = /^ (\S.*)$/;

/** Points waiting for their parent, by indentation, and the `# Subtest:` headers still open. */
interface Level {
  indent: number;
  points: TapPoint[];
}

/** Reads a TAP 13/14 stream into a tree: YAML diagnostics skipped, subtests under their parent point. */
export function readTap(text: string): TapDocument {
  const doc: TapDocument = { points: [], summary: new Map(), skipComments: 0, hasSubtestHeaders: false };
  const levels: Level[] = [];
  const headers: { indent: number; name: string }[] = [];
  const plans = new Map<number, number>();
  let yamlIndent = -1;
  let lastPointIndent = -1;
  let group: string | undefined;
  for (const line of text.split("\n")) {
    const indent = line.length - line.trimStart().length;
    if (yamlIndent >= 0) {
      // A block ends at its `...`, or at a line indented less than it (a producer that forgot the end).
      if (line.trim() === "..." && indent === yamlIndent) yamlIndent = -1;
      if (line.trim() === "" || indent >= yamlIndent) continue;
      yamlIndent = -1;
    }
    if (line.trim() === "---" && lastPointIndent >= 0 && indent > lastPointIndent) {
      yamlIndent = indent;
      continue;
    }
    const point = POINT.exec(line);
    if (point) {
      const node = toPoint(point[2] === "ok", point[3]!, headerName(headers, indent));
      if (indent === 0 && group !== undefined && !doc.hasSubtestHeaders) node.name = `${group} > ${node.name}`;
      node.children = takeChildren(levels, indent);
      closeHeaders(headers, indent);
      levelAt(levels, indent).points.push(node);
      lastPointIndent = indent;
      continue;
    }
    const bail = BAIL_OUT.exec(line);
    if (bail) {
      doc.bailOut ??= bail[1]!.trim();
      continue;
    }
    const plan = PLAN.exec(line);
    if (plan) {
      if (!plans.has(plan[1]!.length)) plans.set(plan[1]!.length, Number.parseInt(plan[2]!, 10));
      continue;
    }
    const comment = COMMENT.exec(line);
    if (!comment) continue;
    const body = comment[2]!;
    const subtest = SUBTEST.exec(body);
    if (subtest) {
      doc.hasSubtestHeaders = true;
      closeHeaders(headers, indent);
      headers.push({ indent, name: subtest[1]!.trim() });
      continue;
    }
    if (indent !== 0) continue;
    const summary = SUMMARY.exec(body);
    if (summary) doc.summary.set(summary[1]!, Number.parseInt(summary[2]!, 10));
    else if (TAPE_SKIP.test(body)) doc.skipComments++;
    else group = GROUP.exec(body)?.[1]?.trim();
  }
  doc.points = finish(levels, headers);
  const outer = Math.min(...plans.keys());
  if (plans.has(outer) && outer === (levels[0]?.indent ?? outer)) doc.planned = plans.get(outer);
  return doc;
}

/**
 * Parses what follows `ok`/`not ok`: an optional number, an optional `-`, the description up to
 * the first unescaped `#`, then an optional SKIP/TODO directive (other comments, such as
 * node-tap's `# time=3ms`, are dropped so that names stay the same from run to run).
 */
function toPoint(ok: boolean, rest: string, header: string | undefined): TapPoint {
  const number = /^\s*(\d+)(?=\s|$)/.exec(rest)?.[1];
  let body = rest.trim().replace(/^\d+(?=\s|$)/, "");
  body = body.trim().replace(/^-(?=\s|$)/, "");
  const hash = unescapedHash(body);
  const description = hash < 0 ? body : body.slice(0, hash);
  const directive = hash < 0 ? undefined : DIRECTIVE.exec(body.slice(hash + 1))?.[1]?.toLowerCase();
  // A point without a description is known by its subtest header, else by its number.
  const name = description.replace(/\\([#\\])/g, "$1").trim() || header || (number ? `#${number}` : "");
  return { ok, name, ...(directive ? { directive: directive as "skip" | "todo" } : {}), children: [] };
}

function unescapedHash(text: string): number {
  for (let i = 0; i < text.length; i++) {
    if (text[i] === "\\") i++;
    else if (text[i] === "#") return i;
  }
  return -1;
}

/** Subtest points reported deeper than `indent` belong to the point now read at `indent`. */
function takeChildren(levels: Level[], indent: number): TapPoint[] {
  const children: TapPoint[] = [];
  while (levels.length > 0 && levels.at(-1)!.indent > indent) children.unshift(...levels.pop()!.points);
  return children;
}

function levelAt(levels: Level[], indent: number): Level {
  const top = levels.at(-1);
  if (top && top.indent === indent) return top;
  const level = { indent, points: [] };
  levels.push(level);
  return level;
}

/** A point closes the `# Subtest:` header at its own indentation and any deeper one. */
function closeHeaders(headers: { indent: number }[], indent: number): void {
  while (headers.length > 0 && headers.at(-1)!.indent >= indent) headers.pop();
}

function headerName(headers: { indent: number; name: string }[], indent: number): string | undefined {
  const header = headers.at(-1);
  return header && header.indent === indent ? header.name : undefined;
}

/**
 * At the end, subtests whose parent never reported (the process died inside them) are kept
 * under a failing stand-in parent named by their open `# Subtest:` header.
 */
function finish(levels: Level[], headers: { indent: number; name: string }[]): TapPoint[] {
  for (;;) {
    const deepest = levels.at(-1);
    if (!deepest) return [];
    const above = levels.at(-2);
    const at = headers.findLastIndex((h) => h.indent < deepest.indent && (!above || h.indent >= above.indent));
    if (!above && at < 0) return deepest.points;
    const header = at >= 0 ? headers.splice(at, 1)[0] : undefined;
    levels.pop();
    const standIn = { ok: false, name: header?.name ?? "(unfinished subtest)", children: deepest.points };
    levelAt(levels, header?.indent ?? above!.indent).points.push(standIn);
  }
}
