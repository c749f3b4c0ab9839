import type { ExecResult } from "@patchbay/core";
import { ParseBuffer, type ParseLimits } from "./parse-buffer.js";
import { cleanOutput } from "./parsers/text.js";

type Stream = "stdout" | "stderr";

const END_CHARS = 2048;
const ANCHOR_CHARS = 256;
// A workspace's own note in a stream, e.g. the sandbox's "[... live output stopped after N bytes ...]".
const WORKSPACE_NOTE = /^\[\.\.\. .* \.\.\.\]$/;
// The sandbox's stand-in for the middle of a stream it did not keep.
const OMITTED = /\[\.\.\. \d+ bytes omitted \.\.\.\]\n/g;

/**
 * A command's output as the parsers see it: the live copy (stdout and stderr in the order they
 * came, kept whole up to the ParseBuffer's limits), completed from the result's kept streams when
 * the workspace forwarded nothing, less than it kept, or stopped forwarding before the end.
 */
export class CheckOutput {
  private readonly live: ParseBuffer;
  private readonly ends: Record<Stream, string> = { stdout: "", stderr: "" };
  private seen = 0;

  constructor(limits?: ParseLimits) {
    this.live = new ParseBuffer(limits);
  }

  /** Takes a chunk as the workspace forwards it. */
  push(stream: Stream, text: string): void {
    this.live.push(text);
    this.seen += text.length;
    this.ends[stream] = (this.ends[stream] + text).slice(-END_CHARS);
  }

  /** The text to parse once the command has ended. */
  finish(result: ExecResult): string {
    const kept = result.stdout.length + result.stderr.length;
    // Nothing came live, or less than the result holds whole: the result's streams are the output.
    if (this.seen === 0 || (result.truncatedBytes === 0 && this.seen < kept)) return joinStreams(result);
    const text = this.live.value();
    const missing = (["stdout", "stderr"] as const)
      .map((stream) => missingEnd(this.ends[stream], result[stream]))
      .filter((part) => part !== "");
    if (missing.length === 0) return text;
    return `${text}${text.endsWith("\n") ? "" : "\n"}${missing.join("\n")}`;
  }
}

/** What a kept stream holds after the last text that came live ("" when the live copy reached its end). */
export function missingEnd(liveEnd: string, kept: string): string {
  const lines = liveEnd.split("\n");
  while (lines.length > 0 && (lines.at(-1)!.trim() === "" || WORKSPACE_NOTE.test(lines.at(-1)!.trim()))) lines.pop();
  const anchor = lines.join("\n").slice(-ANCHOR_CHARS);
  if (anchor.trim() === "") return kept.trim() === "" ? "" : kept;
  const at = kept.lastIndexOf(anchor);
  if (at >= 0) {
    const rest = kept.slice(at + anchor.length);
    return rest.trim() === "" ? "" : rest.replace(/^\n/, "");
  }
  // The live copy stopped inside the part the workspace did not keep: add the kept end.
  const marker = [...kept.matchAll(OMITTED)].at(-1);
  return marker?.index === undefined ? "" : kept.slice(marker.index + marker[0].length);
}

function joinStreams(result: ExecResult): string {
  const separator = result.stdout === "" || result.stdout.endsWith("\n") ? "" : "\n";
  return result.stdout + separator + result.stderr;
}

/** The last `maxBytes` bytes of output, colours removed, cut at a character boundary. */
export function outputTail(text: string, maxBytes: number): string {
  // Only the end matters; cleaning megabytes of output for 4 KiB would be waste.
  const clean = cleanOutput(text.slice(-maxBytes * 4));
  const bytes = Buffer.from(clean, "utf8");
  if (bytes.length <= maxBytes) return clean;
  // Continuation bytes (10xxxxxx) cannot start a character.
  let start = bytes.length - maxBytes;
  while (start < bytes.length && (bytes[start]! & 0xc0) === 0x80) start++;
  return bytes.subarray(start).toString("utf8");
}
