import type { TestCounts, TestReport } from "./types.js";

export const TESTCASE = /<testcase\b((?:[^>"']|"[^"]*"|'[^']*')*?)(\/>|>([\s\S]*?)<\/testcase\s*>)/g;
const ATTRIBUTE = /([\w:.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g;

/** Parses a JUnit XML report (surefire, pytest --junitxml, jest-junit, go-junit-report) into counts and failing `classname.name`s. */
export function parseJUnitXml(xml: string): TestReport | undefined {
  // CDATA (captured output, stack traces) may contain anything, markup-looking text included.
  const text = xml.replace(/<!\[CDATA\[[\s\S]*?\]\]>/g, "").replace(/<!--[\s\S]*?-->/g, "");
  if (!/<testsuites?\b/.test(text)) return undefined;
  const counts: TestCounts = { passed: 0, failed: 0, skipped: 0 };
  const failedTests: string[] = [];
  for (const match of text.matchAll(TESTCASE)) {
    const attributes = readAttributes(match[1]!);
    const body = match[3] ?? "";
    if (/<(failure|error)\b/.test(body)) {
      counts.failed++;
      failedTests.push(caseName(attributes));
    } else if (/<skipped\b/.test(body)) counts.skipped++;
    else counts.passed++;
  }
  return { format: "junit", counts, failedTests: [...new Set(failedTests)] };
}

export function caseName(attributes: Map<string, string>): string {
  const name = attributes.get("name") ?? "";
  const classname = attributes.get("classname");
  return classname ? `${classname}.${name}` : name;
}

export function readAttributes(source: string): Map<string, string> {
  const attributes = new Map<string, string>();
  for (const match of source.matchAll(ATTRIBUTE)) attributes.set(match[1]!, decodeEntities(match[2] ?? match[3] ?? ""));
  return attributes;
}

/** Decodes the five XML entities and numeric character references. */
export function decodeEntities(value: string): string {
  const named: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" };
  return value.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, entity: string) => {
    if (!entity.startsWith("#")) return named[entity] ?? whole;
    const code = /^#x/i.test(entity) ? Number.parseInt(entity.slice(2), 16) : Number.parseInt(entity.slice(1), 10);
    return code <= 0x10ffff ? String.fromCodePoint(code) : whole;
  });
}
