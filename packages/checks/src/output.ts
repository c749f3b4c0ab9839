import type { ExecResult } from "@patchbay/core";
import { cleanOutput } from "./parsers/text.js";

/** Keeps the last `limit` characters of a stream of text, and whether anything was dropped. */
export class TailBuffer {
  private text = "";
  private dropped = false;

  constructor(private readonly limit: number) {}

  /** Appends a chunk, dropping the oldest text past the limit. */
  push(chunk: string): void {
    this.text += chunk;
    // Trim in bulk, not per chunk: slicing a multi-megabyte string on every small chunk is quadratic.
    if (this.text.length > this.limit * 2) this.trim();
  }

  /** Everything kept, oldest first. */
  value(): string {
    this.trim();
    return this.text;
  }

  /** True when text was dropped because of the limit. */
  get truncated(): boolean {
    return this.dropped || this.text.length > this.limit;
  }

  private trim(): void {
    if (this.text.length <= this.limit) return;
    this.text = this.text.slice(-this.limit);
    this.dropped = true;
  }
}

/**
 * The output to parse and show: the live chunks keep stdout and stderr in the order they came,
 * but a workspace may cap or skip live output, so the result's streams are used when the live
 * copy is missing or shorter.
 */
export function combinedOutput(live: TailBuffer, result: ExecResult): string {
  const text = live.value();
  const kept = result.stdout.length + result.stderr.length;
  if (!live.truncated && text.length >= kept) return text;
  const separator = result.stdout === "" || result.stdout.endsWith("\n") ? "" : "\n";
  return result.stdout + separator + result.stderr;
}

/** The last `maxBytes` bytes of output, colours removed, cut at a character boundary. */
export function outputTail(text: string, maxBytes: number): string {
  const clean = cleanOutput(text);
  const bytes = Buffer.from(clean, "utf8");
  if (bytes.length <= maxBytes) return clean;
  // Continuation bytes (10xxxxxx) cannot start a character.
  let start = bytes.length - maxBytes;
  while (start < bytes.length && (bytes[start]! & 0xc0) === 0x80) start++;
  return bytes.subarray(start).toString("utf8");
}
