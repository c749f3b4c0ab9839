/** Characters of one tool's output that go back to the model and into events. */
export const TOOL_OUTPUT_LIMIT = 16 * 1024;

/** Keeps the head and tail of text longer than `limit` characters, noting how much was cut. */
export function truncateMiddle(text: string, limit: number = TOOL_OUTPUT_LIMIT): string {
  if (text.length <= limit) return text;
  // The note itself takes room; keep the result within the limit.
  const keep = Math.max(0, limit - 60);
  const head = Math.ceil(keep / 2);
  const tail = keep - head;
  const cut = text.length - keep;
  return `${text.slice(0, head)}\n[… ${cut} characters truncated …]\n${text.slice(text.length - tail)}`;
}

/** Fits stdout and stderr into one limit; the shorter stream keeps what it needs first. */
export function truncatePair(stdout: string, stderr: string, limit: number): { stdout: string; stderr: string } {
  if (stdout.length + stderr.length <= limit) return { stdout, stderr };
  const half = Math.floor(limit / 2);
  let stdoutLimit = half;
  if (stdout.length <= half) stdoutLimit = stdout.length;
  else if (stderr.length <= half) stdoutLimit = limit - stderr.length;
  return { stdout: truncateMiddle(stdout, stdoutLimit), stderr: truncateMiddle(stderr, limit - stdoutLimit) };
}
