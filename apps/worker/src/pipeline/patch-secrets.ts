import { inflateSync } from "node:zlib";

/** What finds and replaces secrets in text (a Redactor). */
export interface SecretFinder {
  redact(text: string): string;
  contains(text: string): boolean;
}

/** A patch with its secrets taken out, and whether it had any. */
export interface GuardedPatch {
  patch: string;
  secretsInPatch: boolean;
}

/** Replaces a binary file's data in a patch whose content holds a secret. */
export const WITHHELD_BINARY = "Binary content withheld by Patchbay: it contains a project secret.\n";

/**
 * Finds secrets in a `git diff --binary` patch, in its text and inside its binary hunks
 * (base85 and zlib, as git writes them; for deltas, the bytes they insert), and returns it with
 * every text occurrence redacted and every binary file holding one withheld. A patch changed
 * this way no longer matches what the agent wrote: it is for reading, not for pushing.
 */
export function guardPatchText(patch: string, finder: SecretFinder): GuardedPatch {
  let found = false;
  const sections = patch.split(/(?=^diff --git )/m).map((section) => {
    const at = section.indexOf("GIT binary patch\n");
    const head = at < 0 ? section : section.slice(0, at);
    const redacted = finder.redact(head);
    if (redacted !== head) found = true;
    if (at < 0) return redacted;
    const binary = section.slice(at);
    if (!binaryHunks(binary).some((bytes) => finder.contains(bytes.toString("utf8")))) return redacted + binary;
    found = true;
    return redacted + WITHHELD_BINARY;
  });
  return { patch: found ? sections.join("") : patch, secretsInPatch: found };
}

const B85 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz!#$%&()*+-;<=>?@^_`{|}~";
const DIGIT = new Map([...B85].map((c, i) => [c, i]));

/** The content (literal) or inserted bytes (delta) of each hunk of a "GIT binary patch" block. */
export function binaryHunks(block: string): Buffer[] {
  const out: Buffer[] = [];
  const lines = block.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const kind = /^(literal|delta) \d+$/.exec(lines[i]!)?.[1];
    if (!kind) continue;
    const data: Buffer[] = [];
    for (i++; i < lines.length && lines[i] !== ""; i++) data.push(decodeLine(lines[i]!));
    try {
      const bytes = inflateSync(Buffer.concat(data));
      out.push(kind === "literal" ? bytes : deltaInserts(bytes));
    } catch {
      // git wrote it; a hunk that does not decode cannot be applied either.
    }
  }
  return out;
}

/** One base85 line: a length character (A-Z: 1-26, a-z: 27-52), then groups of five digits. */
function decodeLine(line: string): Buffer {
  const c = line.charCodeAt(0);
  const length = c >= 97 ? c - 97 + 27 : c - 65 + 1;
  const out = Buffer.alloc(Math.ceil(length / 4) * 4);
  const groups = Math.min(Math.floor((line.length - 1) / 5), out.length / 4);
  for (let g = 0; g < groups; g++) {
    let acc = 0;
    for (let k = 0; k < 5; k++) acc = acc * 85 + (DIGIT.get(line[1 + g * 5 + k] ?? "0") ?? 0);
    out.writeUInt32BE(acc >>> 0, g * 4);
  }
  return out.subarray(0, Math.max(0, length));
}

/** The bytes a git delta inserts, runs separated where it copies from the old file. */
function deltaInserts(delta: Buffer): Buffer {
  let i = 0;
  const varint = () => {
    while (i < delta.length && delta[i]! & 0x80) i++;
    i++;
  };
  varint();
  varint();
  const parts: Buffer[] = [];
  while (i < delta.length) {
    const op = delta[i++]!;
    if (op & 0x80) {
      // A copy: one byte per set bit of offset and size follows.
      for (let bit = 0; bit < 7; bit++) if (op & (1 << bit)) i++;
      parts.push(Buffer.from("\n"));
    } else if (op > 0) {
      parts.push(delta.subarray(i, i + op));
      i += op;
    }
  }
  return Buffer.concat(parts);
}
