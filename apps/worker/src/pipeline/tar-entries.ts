import type { Readable } from "node:stream";

const BLOCK = 512;

interface Header {
  name: string;
  size: number;
  type: string;
}

/**
 * The regular files of a tar stream (GNU or POSIX, as GNU tar writes them) no bigger than
 * `maxBytes`, by path (a leading "./" dropped). Bigger ones, links and folders are passed over
 * without being kept, so memory stays bounded by what is returned.
 */
export async function regularFiles(stream: Readable, maxBytes: number): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  let pending: Buffer = Buffer.alloc(0);
  let longName: string | null = null;
  // The entry whose data is being read: kept (parts) or skipped (parts null).
  let entry: { header: Header; left: number; parts: Buffer[] | null } | null = null;
  let ended = false;
  for await (const chunk of stream) {
    pending = pending.length === 0 ? (chunk as Buffer) : Buffer.concat([pending, chunk as Buffer]);
    while (!ended) {
      if (entry) {
        const take = Math.min(entry.left, pending.length);
        if (entry.parts && take > 0) entry.parts.push(pending.subarray(0, take));
        pending = pending.subarray(take);
        entry.left -= take;
        if (entry.left > 0) break;
        const padding = (BLOCK - (entry.header.size % BLOCK)) % BLOCK;
        if (pending.length < padding) {
          entry.left = 0;
          break;
        }
        pending = pending.subarray(padding);
        const { header, parts } = entry;
        entry = null;
        if (!parts) continue;
        const data = Buffer.concat(parts);
        if (header.type === "L") longName = data.toString("utf8").replace(/\0+$/, "");
        else if (header.type === "x") longName = paxPath(data) ?? longName;
        else files.set(stripDot(header.name), data);
        continue;
      }
      if (pending.length < BLOCK) break;
      const block = pending.subarray(0, BLOCK);
      pending = pending.subarray(BLOCK);
      if (block.every((b) => b === 0)) {
        ended = true;
        break;
      }
      const header = parseHeader(block);
      if (longName !== null && header.type !== "L" && header.type !== "x") {
        header.name = longName;
        longName = null;
      }
      const meta = header.type === "L" || header.type === "x";
      const keep = meta || (isRegular(header.type) && header.size <= maxBytes);
      entry = { header, left: header.size, parts: keep ? [] : null };
    }
  }
  return files;
}

function isRegular(type: string): boolean {
  return type === "0" || type === "\0" || type === "7";
}

function parseHeader(block: Buffer): Header {
  const text = (from: number, length: number) => {
    const field = block.subarray(from, from + length);
    const end = field.indexOf(0);
    return field.subarray(0, end === -1 ? length : end).toString("utf8");
  };
  const name = text(0, 100);
  const prefix = block.subarray(257, 263).toString("latin1").startsWith("ustar") ? text(345, 155) : "";
  return {
    name: prefix ? `${prefix}/${name}` : name,
    size: parseSize(block.subarray(124, 136)),
    type: text(156, 1) || "\0",
  };
}

/** Octal, or GNU's base-256 for sizes that octal cannot hold (first byte's high bit set). */
function parseSize(field: Buffer): number {
  if ((field[0]! & 0x80) !== 0) {
    let n = 0;
    for (let i = 1; i < field.length; i++) n = n * 256 + field[i]!;
    return n;
  }
  const digits = field
    .toString("latin1")
    .replace(/[\0 ]+$/g, "")
    .trim();
  return digits === "" ? 0 : Number.parseInt(digits, 8);
}

/** The `path` record of a POSIX extended header ("<len> path=<value>\n" records). */
function paxPath(data: Buffer): string | null {
  for (const line of data.toString("utf8").split("\n")) {
    const match = /^\d+ path=(.*)$/s.exec(line);
    if (match) return match[1]!;
  }
  return null;
}

function stripDot(name: string): string {
  return name.startsWith("./") ? name.slice(2) : name;
}
