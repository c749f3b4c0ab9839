/** Default cap on what one exec keeps per stream (head and tail together). */
export const DEFAULT_OUTPUT_CAP_BYTES = 1024 * 1024;

/**
 * Keeps the first and last bytes of a stream within a fixed budget. The middle is what a person
 * or a model can best do without: the command line and the final summary/error live at the ends.
 */
export class CappedOutput {
  private readonly headLimit: number;
  private readonly tailLimit: number;
  private head: Buffer[] = [];
  private headSize = 0;
  private tail: Buffer[] = [];
  private tailSize = 0;
  private total = 0;

  constructor(capBytes: number = DEFAULT_OUTPUT_CAP_BYTES) {
    const cap = Math.max(0, Math.floor(capBytes));
    this.headLimit = Math.ceil(cap / 2);
    this.tailLimit = cap - this.headLimit;
  }

  /** Bytes seen so far, kept or not. */
  get totalBytes(): number {
    return this.total;
  }

  /** Adds a chunk, dropping from the middle once the budget is used. */
  push(chunk: Buffer): void {
    this.total += chunk.length;
    let rest = chunk;
    if (this.headSize < this.headLimit) {
      const take = Math.min(this.headLimit - this.headSize, rest.length);
      this.head.push(rest.subarray(0, take));
      this.headSize += take;
      rest = rest.subarray(take);
    }
    if (rest.length > 0) this.pushTail(rest);
  }

  private pushTail(chunk: Buffer): void {
    if (this.tailLimit === 0) return;
    // Copy: the caller's buffer may be a slice of a large frame we must not keep alive.
    this.tail.push(Buffer.from(chunk.subarray(Math.max(0, chunk.length - this.tailLimit))));
    this.tailSize += Math.min(chunk.length, this.tailLimit);
    while (this.tailSize - (this.tail[0]?.length ?? 0) >= this.tailLimit && this.tail.length > 1) {
      this.tailSize -= this.tail.shift()?.length ?? 0;
    }
  }

  /** The kept text and how many bytes were left out (marker line in place of the gap). */
  result(): { text: string; droppedBytes: number } {
    const head = Buffer.concat(this.head);
    const tailAll = Buffer.concat(this.tail);
    const tail = tailAll.subarray(Math.max(0, tailAll.length - this.tailLimit));
    if (this.total <= head.length + tail.length) {
      return { text: Buffer.concat([head, tail]).toString("utf8"), droppedBytes: 0 };
    }
    const safeHead = head.subarray(0, utf8SafeEnd(head));
    const safeTail = tail.subarray(utf8SafeStart(tail));
    const dropped = this.total - safeHead.length - safeTail.length;
    return {
      text: joinWithMarker(safeHead.toString("utf8"), dropped, safeTail.toString("utf8")),
      droppedBytes: dropped,
    };
  }
}

/** The line that stands in for the dropped middle of an output. */
export function omittedMarker(bytes: number): string {
  return `[... ${bytes} bytes omitted ...]`;
}

function joinWithMarker(head: string, dropped: number, tail: string): string {
  const sep = head.length === 0 || head.endsWith("\n") ? "" : "\n";
  return `${head}${sep}${omittedMarker(dropped)}\n${tail}`;
}

/** Length of the longest prefix of buf that does not end inside a UTF-8 sequence. */
export function utf8SafeEnd(buf: Buffer): number {
  for (let back = 1; back <= Math.min(4, buf.length); back++) {
    const byte = buf[buf.length - back] ?? 0;
    if ((byte & 0xc0) === 0x80) continue; // continuation byte: keep looking for the lead
    const need = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return need > back ? buf.length - back : buf.length;
  }
  return buf.length;
}

/** Offset of the first byte of buf that does not continue a sequence cut off before it. */
export function utf8SafeStart(buf: Buffer): number {
  let i = 0;
  while (i < Math.min(3, buf.length) && ((buf[i] ?? 0) & 0xc0) === 0x80) i++;
  return i;
}
