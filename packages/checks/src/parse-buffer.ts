/** How much of a command's output ParseBuffer keeps (in characters). */
export interface ParseLimits {
  /** Output up to this size is kept whole. */
  fullChars: number;
  /** Past it: the first characters… */
  headChars: number;
  /** …the last characters… */
  tailChars: number;
  /** …and, from the middle, lines that can carry a test result, up to this much. */
  resultChars: number;
}

export const DEFAULT_PARSE_LIMITS: ParseLimits = {
  fullChars: 8 * 1024 * 1024,
  headChars: 256 * 1024,
  tailChars: 2 * 1024 * 1024,
  resultChars: 4 * 1024 * 1024,
};

/**
 * Lines a test runner uses for one test's result, or for the heading that names the tests after
 * it: TAP points, plans, comments (tape's test names) and bail-outs; go's `--- FAIL:`; jest's
 * `FAIL file` and `●`; pytest's and unittest's verbose lines; cargo's `test x ... ok`; the
 * tick and cross lines of mocha, vitest, node:test's spec reporter and ava.
 */
const RESULT_LINE =
  /^\s*(?:not ok\b|ok\b|#|Bail out!|1\.\.\d|--- (?:FAIL|PASS|SKIP)|(?:FAIL|PASS|FAILED|ERROR)\b|[✓✔✕✖✗×✘●﹣] |- \[|test .* \.\.\. )|\.\.\. (?:ok|FAIL|ERROR|skipped|expected failure|unexpected success)\s*$|::\S* (?:PASSED|FAILED|ERROR|SKIPPED|XFAIL|XPASS)\b/;

/**
 * Keeps a command's output for the test-output parsers with bounded memory: all of it up to
 * `fullChars`; past that the head, the tail, and from the middle every line that can carry a
 * test result (so a failure reported early in a long run is still named), up to `resultChars`.
 */
export class ParseBuffer {
  private chunks: string[] = [];
  private size = 0;
  private head: string | undefined;
  private tail = "";
  private results: string[] = [];
  private resultSize = 0;
  private droppedChars = 0;

  constructor(private readonly limits: ParseLimits = DEFAULT_PARSE_LIMITS) {}

  /** Appends a chunk of output. */
  push(chunk: string): void {
    if (this.head === undefined) {
      this.chunks.push(chunk);
      this.size += chunk.length;
      if (this.size > this.limits.fullChars) this.split();
      return;
    }
    this.tail += chunk;
    // Sift in bulk, not per chunk: slicing a multi-megabyte string on every small chunk is quadratic.
    if (this.tail.length > this.limits.tailChars * 2) this.sift();
  }

  /** True when part of the output was left out. */
  get truncated(): boolean {
    return this.head !== undefined;
  }

  /** The kept output, oldest first; a marker line stands for what was left out. */
  value(): string {
    if (this.head === undefined) return this.chunks.join("");
    this.sift();
    const marker = `[patchbay: ${this.droppedChars} characters of output left out here; test result lines kept]\n`;
    return `${this.head}${this.results.join("")}${marker}${this.tail}`;
  }

  /** The last `chars` characters kept. */
  end(chars: number): string {
    const text = this.head === undefined ? this.chunks.join("") : this.tail;
    return text.slice(-chars);
  }

  private split(): void {
    const text = this.chunks.join("");
    this.chunks = [];
    // At a line end, unless the output has no line end for a long way.
    const cut = Math.min(lineEnd(text, this.limits.headChars), this.limits.headChars * 2);
    this.head = text.slice(0, cut);
    this.tail = text.slice(cut);
    this.sift();
  }

  /** Moves whole lines older than the tail window into the kept result lines (or drops them). */
  private sift(): void {
    if (this.tail.length <= this.limits.tailChars) return;
    const cut = lineEnd(this.tail, this.tail.length - this.limits.tailChars);
    const old = this.tail.slice(0, cut);
    this.tail = this.tail.slice(cut);
    for (const line of old.split(/(?<=\n)/)) {
      if (RESULT_LINE.test(line) && this.resultSize + line.length <= this.limits.resultChars) {
        this.results.push(line);
        this.resultSize += line.length;
      } else this.droppedChars += line.length;
    }
  }
}

/** The index just after the first newline at or after `from` (or the end). */
function lineEnd(text: string, from: number): number {
  const newline = text.indexOf("\n", from);
  return newline < 0 ? text.length : newline + 1;
}
