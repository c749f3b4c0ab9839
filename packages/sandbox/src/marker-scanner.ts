/**
 * Finds the end marker of one command in a stream of output chunks. Output before the marker
 * is passed on as soon as it cannot be the start of the marker; the marker line itself (up to
 * its newline) is taken out and returned.
 */
export class MarkerScanner {
  private pending: Buffer = Buffer.alloc(0);
  private markerLine: Buffer | null = null;
  private found = false;

  constructor(private readonly marker: Buffer) {}

  /** True once the marker line (with its newline) has been seen. */
  get done(): boolean {
    return this.markerLine !== null;
  }

  /** The text after the marker on its line (e.g. `:0:0:0:0`); null until done. */
  get fields(): string | null {
    return this.markerLine?.toString("utf8") ?? null;
  }

  /** Feeds a chunk; returns the output it releases (never part of the marker). */
  push(chunk: Buffer): Buffer {
    if (this.markerLine !== null) return Buffer.alloc(0); // after the marker: a straggler's output
    const buf = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    if (this.found) return this.readFields(buf, 0);
    const at = buf.indexOf(this.marker);
    if (at >= 0) {
      this.found = true;
      const out = Buffer.from(buf.subarray(0, at));
      this.readFields(buf.subarray(at + this.marker.length), 0);
      return out;
    }
    const keep = partialMatchLength(buf, this.marker);
    this.pending = Buffer.from(buf.subarray(buf.length - keep));
    return buf.subarray(0, buf.length - keep);
  }

  private readFields(buf: Buffer, from: number): Buffer {
    const nl = buf.indexOf(0x0a, from);
    if (nl < 0) {
      this.pending = Buffer.from(buf);
      return Buffer.alloc(0);
    }
    this.markerLine = Buffer.from(buf.subarray(0, nl));
    this.pending = Buffer.alloc(0);
    return Buffer.alloc(0);
  }
}

/** Length of the longest suffix of buf that is a proper prefix of marker. */
export function partialMatchLength(buf: Buffer, marker: Buffer): number {
  const first = marker[0] ?? 0;
  const max = Math.min(buf.length, marker.length - 1);
  for (let len = max; len > 0; len--) {
    const start = buf.length - len;
    if (buf[start] !== first) continue;
    if (buf.subarray(start).equals(marker.subarray(0, len))) return len;
  }
  return 0;
}
